#include "CLinuxShims_evdev.h"
#include <linux/input.h>
#include <sys/ioctl.h>

int CLinuxShims_evdev_grab(int fd, int grab) { return ioctl(fd, EVIOCGRAB, grab); }

int CLinuxShims_evdev_name(int fd, char *buf, int len) { return ioctl(fd, EVIOCGNAME(len), buf); }
