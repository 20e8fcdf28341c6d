#pragma once
// A device's readiness seen through an epoll descriptor of its own, which a Dispatch read source
// then watches. libdispatch's epoll back end (swift-corelibs-libdispatch, event_epoll.c) handles
// EPOLLHUP on a watched descriptor by merging the hang-up into each source and then reading the
// muxnote again; a source cancelled on a worker thread meanwhile frees that muxnote, and the
// manager thread crashes (seen when a serial scanner or its pty hangs up). An epoll descriptor
// never reports EPOLLHUP itself: the device's hang-up reaches Dispatch as plain readability, and
// the reader learns of it from its own read (0, EIO, ENODEV) or from
// CLinuxShims_readiness_hung_up.

/// An epoll descriptor (close-on-exec) watching `fd` for input, level-triggered. Returns the
/// descriptor, or -1 with errno set.
int CLinuxShims_readiness_create(int fd);

/// Whether the descriptor watched by `readiness` has hung up or failed (EPOLLHUP, EPOLLERR),
/// without waiting: 1 or 0.
int CLinuxShims_readiness_hung_up(int readiness);
