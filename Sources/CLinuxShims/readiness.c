#include "CLinuxShims_readiness.h"
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

int CLinuxShims_readiness_create(int fd) {
    int readiness = epoll_create1(EPOLL_CLOEXEC);
    if (readiness < 0) return -1;
    struct epoll_event event = {.events = EPOLLIN, .data = {.fd = fd}};
    if (epoll_ctl(readiness, EPOLL_CTL_ADD, fd, &event) != 0) {
        int error = errno;
        close(readiness);
        errno = error;
        return -1;
    }
    return readiness;
}

int CLinuxShims_readiness_hung_up(int readiness) {
    struct epoll_event event;
    if (epoll_wait(readiness, &event, 1, 0) != 1) return 0;
    return (event.events & (EPOLLHUP | EPOLLERR)) != 0;
}
