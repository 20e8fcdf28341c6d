#define _GNU_SOURCE
#include "CLinuxShims_socket.h"
#include <sys/socket.h>

int CLinuxShims_peer_credentials(int fd, int *pid, unsigned int *uid, unsigned int *gid) {
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
    *pid = cred.pid;
    *uid = cred.uid;
    *gid = cred.gid;
    return 0;
}

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct listen_job {
    const char *path;
    unsigned int mode;
    int backlog;
    int fd;
    int error;
};

static void *listen_thread(void *argument) {
    struct listen_job *job = argument;
    // Give this thread its own umask (and cwd) so that setting it does not race other threads.
    // Where unshare is forbidden (a seccomp filter), the mode is set by chmod between bind and
    // listen instead: nobody can connect before listen, so the socket is never reachable wider.
    if (unshare(CLONE_FS) == 0) umask(~job->mode & 0777);
    struct sockaddr_un address;
    memset(&address, 0, sizeof(address));
    address.sun_family = AF_UNIX;
    size_t length = strlen(job->path);
    if (length == 0 || length >= sizeof(address.sun_path)) {
        job->error = ENAMETOOLONG;
        return NULL;
    }
    memcpy(address.sun_path, job->path, length);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        job->error = errno;
        return NULL;
    }
    if (bind(fd, (struct sockaddr *)&address, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length + 1)) != 0 ||
        chmod(job->path, job->mode) != 0 || listen(fd, job->backlog) != 0) {
        job->error = errno;
        close(fd);
        return NULL;
    }
    job->fd = fd;
    return NULL;
}

int CLinuxShims_listen_unix_socket(const char *path, unsigned int mode, int backlog) {
    struct listen_job job = {path, mode, backlog, -1, 0};
    pthread_t thread;
    int status = pthread_create(&thread, NULL, listen_thread, &job);
    if (status != 0) {
        errno = status;
        return -1;
    }
    pthread_join(thread, NULL);
    if (job.fd < 0) {
        errno = job.error;
        return -1;
    }
    return job.fd;
}

int CLinuxShims_notify_datagram(const char *path, const char *message, unsigned long length) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof(address));
    address.sun_family = AF_UNIX;
    size_t pathLength = strlen(path);
    if (pathLength == 0 || pathLength >= sizeof(address.sun_path)) {
        errno = EINVAL;
        return -1;
    }
    memcpy(address.sun_path, path, pathLength);
    if (path[0] == '@') address.sun_path[0] = 0;
    // Never block: a listener that stops reading must not stall the caller (the service
    // manager always reads; a test listener may not). A message that does not fit is dropped
    // with EAGAIN.
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    ssize_t sent = sendto(fd, message, length, MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&address,
                          (socklen_t)(offsetof(struct sockaddr_un, sun_path) + pathLength));
    int saved = errno;
    close(fd);
    errno = saved;
    return sent == (ssize_t)length ? 0 : -1;
}

int CLinuxShims_is_listening_unix_stream(int fd) {
    int type = 0, listening = 0;
    socklen_t length = sizeof(type);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0) return -1;
    length = sizeof(listening);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0) return -1;
    struct sockaddr_un address;
    socklen_t addressLength = sizeof(address);
    if (getsockname(fd, (struct sockaddr *)&address, &addressLength) != 0) return -1;
    return (type == SOCK_STREAM && listening && address.sun_family == AF_UNIX) ? 1 : 0;
}
