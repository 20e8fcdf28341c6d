#include "CLinuxShims_tty.h"
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int CLinuxShims_tty_is_exclusive(int fd) {
    int exclusive = 0;
    if (syscall(SYS_ioctl, fd, TIOCGEXCL, &exclusive) != 0) return -1;
    return exclusive != 0;
}

int CLinuxShims_tty_set_exclusive(int fd, int exclusive) {
    return (int)syscall(SYS_ioctl, fd, exclusive ? TIOCEXCL : TIOCNXCL, 0);
}
