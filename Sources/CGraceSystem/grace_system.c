#define _GNU_SOURCE
#include "grace_system.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <spawn.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

static void report(int fd, int stage, int err) {
    int message[2] = {stage, err};
    ssize_t ignored = write(fd, message, sizeof(message));
    (void)ignored;
    _exit(127);
}

static int redirect(int from, int to) {
    if (from == to) {
        /* Clear close-on-exec so the program keeps it. */
        int flags = fcntl(to, F_GETFD);
        return flags < 0 ? -1 : fcntl(to, F_SETFD, flags & ~FD_CLOEXEC);
    }
    return dup2(from, to) < 0 ? -1 : 0;
}

/* The common case (no identity change, no rlimits) goes through posix_spawn: glibc implements it with
   clone(CLONE_VM|CLONE_VFORK), which does not copy Grace's address space, so a restart costs less. */
static int spawn_fast(const grace_spawn_request *r, pid_t *pid_out, int *stage) {
    int devnull = -1;
    if (r->stdin_fd < 0 || r->stdout_fd < 0 || r->stderr_fd < 0) {
        devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    }
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
    if (r->new_process_group) {
        posix_spawnattr_setpgroup(&attr, 0);
        flags |= POSIX_SPAWN_SETPGROUP;
    }
    posix_spawnattr_setflags(&attr, flags);
    int fds[3] = {r->stdin_fd >= 0 ? r->stdin_fd : devnull, r->stdout_fd >= 0 ? r->stdout_fd : devnull,
                  r->stderr_fd >= 0 ? r->stderr_fd : devnull};
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0) posix_spawn_file_actions_adddup2(&actions, fds[i], i);
    }
    if (r->cwd) posix_spawn_file_actions_addchdir_np(&actions, r->cwd);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, r->path, &actions, &attr, r->argv, r->envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (devnull >= 0) close(devnull);
    if (rc != 0) {
        *stage = GRACE_SPAWN_EXEC;
        return rc;
    }
    *pid_out = pid;
    *stage = GRACE_SPAWN_OK;
    return 0;
}

int grace_spawn(const grace_spawn_request *r, pid_t *pid_out, int *stage) {
    if (r->uid < 0 && r->gid < 0 && r->rlimit_count == 0) return spawn_fast(r, pid_out, stage);
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        *stage = GRACE_SPAWN_PIPE;
        return errno;
    }
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

    /* Block every signal around fork so no handler of ours runs in the child before exec. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        close(pipefd[0]);
        close(pipefd[1]);
        if (devnull >= 0) close(devnull);
        *stage = GRACE_SPAWN_FORK;
        return err;
    }
    if (pid == 0) {
        /* Child: async-signal-safe calls only. */
        for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (r->new_process_group && setpgid(0, 0) != 0) report(pipefd[1], GRACE_SPAWN_SETPGID, errno);
        int in = r->stdin_fd >= 0 ? r->stdin_fd : devnull;
        int out = r->stdout_fd >= 0 ? r->stdout_fd : devnull;
        int err = r->stderr_fd >= 0 ? r->stderr_fd : devnull;
        /* Move sources above 2 first so dup2 onto 0..2 cannot clobber a source still needed. */
        int fds[3] = {in, out, err};
        for (int i = 0; i < 3; i++) {
            if (fds[i] >= 0 && fds[i] <= 2 && fds[i] != i) {
                int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
                if (moved < 0) report(pipefd[1], GRACE_SPAWN_FDS, errno);
                fds[i] = moved;
            }
        }
        for (int i = 0; i < 3; i++) {
            if (fds[i] < 0) continue;
            if (redirect(fds[i], i) != 0) report(pipefd[1], GRACE_SPAWN_FDS, errno);
        }
        if (r->cwd && chdir(r->cwd) != 0) report(pipefd[1], GRACE_SPAWN_CHDIR, errno);
        for (int i = 0; i < r->rlimit_count; i++) {
            struct rlimit limit = {(rlim_t)r->rlimit_values[i], (rlim_t)r->rlimit_values[i]};
            if (setrlimit(r->rlimit_resources[i], &limit) != 0) report(pipefd[1], GRACE_SPAWN_RLIMIT, errno);
        }
        if (r->gid >= 0) {
            gid_t g = (gid_t)r->gid;
            if (setgroups(1, &g) != 0 || setgid(g) != 0) report(pipefd[1], GRACE_SPAWN_GROUP, errno);
        }
        if (r->uid >= 0 && setuid((uid_t)r->uid) != 0) report(pipefd[1], GRACE_SPAWN_USER, errno);
        /* Everything above 2 goes, except the error pipe (close-on-exec already). */
        if (syscall(SYS_close_range, 3, pipefd[1] - 1, 0) != 0) {
            for (int fd = 3; fd < pipefd[1]; fd++) close(fd);
        }
        syscall(SYS_close_range, pipefd[1] + 1, ~0U, 0);
        execve(r->path, r->argv, r->envp);
        report(pipefd[1], GRACE_SPAWN_EXEC, errno);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(pipefd[1]);
    if (devnull >= 0) close(devnull);
    int message[2] = {0, 0};
    ssize_t n;
    do {
        n = read(pipefd[0], message, sizeof(message));
    } while (n < 0 && errno == EINTR);
    close(pipefd[0]);
    if (n == (ssize_t)sizeof(message)) {
        /* The child failed before exec and has exited: reap it here so nobody sees a stray exit. */
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *stage = message[0];
        return message[1];
    }
    *pid_out = pid;
    *stage = GRACE_SPAWN_OK;
    return 0;
}

int grace_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int grace_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

pid_t grace_wait_any(int *status) {
    pid_t pid = waitpid(-1, status, 0);
    if (pid < 0 && errno == ECHILD) return 0;
    return pid;
}

int grace_kill_group(pid_t pgid, int sig) { return kill(-pgid, sig); }

int grace_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
