#pragma once
// The usblp driver's LPGETSTATUS is an ioctl macro Swift cannot import.

/// Reads the parallel-port status byte of a USB printer-class device (LPGETSTATUS). Returns 0 or -1.
int CLinuxShims_lp_status(int fd, int *status);
