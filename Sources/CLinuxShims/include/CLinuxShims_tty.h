#pragma once
// TIOCGEXCL is the function-like macro _IOR('T', 0x40, int), which Swift cannot import; TIOCEXCL
// and TIOCNXCL sit beside it so that a serial port's exclusive mode is set and read in one place.
// The three are issued with syscall(SYS_ioctl), the way glibc's own termios functions
// (tcgetattr, tcsetattr) reach the terminal: an interposed ioctl() (umockdev's preload library
// under test) sees neither, so the exclusive mode is always the kernel's, like the line settings.

/// Whether a terminal is in exclusive mode (TIOCGEXCL): 1 or 0, or -1 with errno set.
int CLinuxShims_tty_is_exclusive(int fd);

/// Puts a terminal in exclusive mode (TIOCEXCL, exclusive != 0) or takes it out (TIOCNXCL):
/// while it is, every further open() fails with EBUSY (except for CAP_SYS_ADMIN).
/// Returns 0 or -1 with errno set.
int CLinuxShims_tty_set_exclusive(int fd, int exclusive);
