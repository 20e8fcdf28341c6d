// Umbrella header: C helpers for what Swift cannot import directly (function-like
// ioctl macros, struct ucred). One header per area so that each area's owner
// edits only its own file.
#pragma once
#include "CLinuxShims_evdev.h"
#include "CLinuxShims_socket.h"
#include "CLinuxShims_printer.h"
#include "CLinuxShims_memory.h"
#include "CLinuxShims_tty.h"
#include "CLinuxShims_readiness.h"
#include "CLinuxShims_library.h"
