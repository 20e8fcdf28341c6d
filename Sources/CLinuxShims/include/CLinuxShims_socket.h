#pragma once
// struct ucred needs _GNU_SOURCE before <sys/socket.h>, which Swift's Glibc module does not set.

/// Reads SO_PEERCRED of a connected Unix socket. Returns 0 or -1 with errno set.
int CLinuxShims_peer_credentials(int fd, int *pid, unsigned int *uid, unsigned int *gid);

/// Creates a listening Unix stream socket bound at `path`, whose file gets exactly `mode`
/// (e.g. 0660). The umask is set before bind() on a helper thread that has its own umask
/// (unshare(CLONE_FS)), so the process-wide umask, shared with every other thread, is never
/// touched. Returns the descriptor (close-on-exec) or -1 with errno set.
int CLinuxShims_listen_unix_socket(const char *path, unsigned int mode, int backlog);

/// Sends one datagram `message` to the Unix datagram socket `path` (a leading '@' names an
/// abstract socket), as sd_notify(3) does. Returns 0 or -1 with errno set.
int CLinuxShims_notify_datagram(const char *path, const char *message, unsigned long length);

/// Checks that `fd` is a listening Unix stream socket, as an inherited systemd socket must be.
/// Returns 1 if it is, 0 if not, -1 with errno set on error.
int CLinuxShims_is_listening_unix_stream(int fd);
