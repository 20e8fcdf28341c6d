#pragma once
// struct ucred needs _GNU_SOURCE before <sys/socket.h>, which Swift's Glibc module does not set.

/// Reads SO_PEERCRED of a connected Unix socket. Returns 0 or -1 with errno set.
int CLinuxShims_peer_credentials(int fd, int *pid, unsigned int *uid, unsigned int *gid);
