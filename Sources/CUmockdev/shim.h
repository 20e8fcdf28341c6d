#pragma once
// libumockdev builds udev/sysfs/evdev testbeds from test code; only TestSupport uses it.
#include <umockdev.h>
