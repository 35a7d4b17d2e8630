#ifndef GRACE_SYSTEM_H
#define GRACE_SYSTEM_H

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

/// What to start: everything is prepared by the caller, so the child after fork only makes system calls.
typedef struct {
    const char *path;          /* executable to execve (already resolved) */
    char *const *argv;         /* NULL-terminated */
    char *const *envp;         /* NULL-terminated */
    const char *cwd;           /* NULL: inherit */
    int stdin_fd;              /* -1: /dev/null */
    int stdout_fd;             /* -1: /dev/null */
    int stderr_fd;             /* -1: /dev/null */
    int uid;                   /* -1: unchanged */
    int gid;                   /* -1: unchanged */
    int new_process_group;     /* 1: setpgid(0, 0), the child leads its own group */
    int rlimit_count;
    const int *rlimit_resources;                 /* RLIMIT_* */
    const unsigned long long *rlimit_values;     /* soft = hard */
} grace_spawn_request;

/// Which step of starting the child failed (for the error message).
enum grace_spawn_stage {
    GRACE_SPAWN_OK = 0,
    GRACE_SPAWN_PIPE = 1,
    GRACE_SPAWN_FORK = 2,
    GRACE_SPAWN_SETPGID = 3,
    GRACE_SPAWN_FDS = 4,
    GRACE_SPAWN_CHDIR = 5,
    GRACE_SPAWN_RLIMIT = 6,
    GRACE_SPAWN_GROUP = 7,
    GRACE_SPAWN_USER = 8,
    GRACE_SPAWN_EXEC = 9,
};

/// fork + execve. Returns 0 and the pid, or an errno with the failing stage. The child's signal mask and
/// handlers are reset, every fd above 2 is closed, and exec failure is reported through a CLOEXEC pipe, so
/// a pid is returned only for a child that really runs the program.
int grace_spawn(const grace_spawn_request *request, pid_t *pid, int *stage);

/// pidfd_open(2); -1 with errno when unsupported.
int grace_pidfd_open(pid_t pid);

/// prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants are re-parented to this process.
int grace_set_child_subreaper(void);

/// Blocks until a child of this process changes state and reaps it: returns its pid, with `status` as
/// waitpid's. Returns 0 with errno ECHILD when there are no children, -1 on EINTR.
pid_t grace_wait_any(int *status);

/// kill(-pgid, sig): signal a whole process group.
int grace_kill_group(pid_t pgid, int sig);

/// pipe2(fds, O_CLOEXEC): Swift does not see pipe2 without _GNU_SOURCE.
int grace_pipe_cloexec(int fds[2]);

#endif
