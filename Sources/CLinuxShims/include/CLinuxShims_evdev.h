#pragma once
// evdev ioctls are function-like macros (EVIOCGRAB, EVIOCGNAME(len)) that Swift cannot import.

/// Grabs (grab != 0) or releases an evdev device exclusively: ioctl(fd, EVIOCGRAB, grab).
/// Returns 0 or -1 with errno set.
int CLinuxShims_evdev_grab(int fd, int grab);

/// Copies the device name (EVIOCGNAME) into buf; returns its length or -1.
int CLinuxShims_evdev_name(int fd, char *buf, int len);
