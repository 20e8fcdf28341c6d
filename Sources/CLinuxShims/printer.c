#include "CLinuxShims_printer.h"
#include <linux/lp.h>
#include <sys/ioctl.h>

int CLinuxShims_lp_status(int fd, int *status) { return ioctl(fd, LPGETSTATUS, status); }
