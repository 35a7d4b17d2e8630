/* subreaper: runs a supervisor the way a proper init would: as a child subreaper (prctl PR_SET_CHILD_SUBREAPER)
 * that reaps every orphan the moment it exits, so that processes a supervisor daemonises (Monit does) never
 * linger as zombies and skew it. PID 1 of the benchmark machines reaps late.
 *
 *   subreaper SECONDS PROGRAM [ARGS...]
 *
 * SIGTERM/SIGINT are passed on to PROGRAM. When PROGRAM exits, or after SECONDS (a safety bound), every process
 * left below the subreaper is SIGKILLed and reaped, and the subreaper exits with PROGRAM's status. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t pending;
static void on_signal(int signo) { pending = signo; }
static void on_alarm(int signo) { (void)signo; pending = SIGKILL; }

/* SIGKILLs every child of this process (orphans re-parented here included); returns how many. */
static int kill_children(void) {
    int count = 0;
    DIR *proc = opendir("/proc");
    if (!proc) return 0;
    struct dirent *entry;
    while ((entry = readdir(proc))) {
        char path[300], buffer[512];
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
        FILE *file = fopen(path, "r");
        if (!file) continue;
        size_t n = fread(buffer, 1, sizeof buffer - 1, file);
        fclose(file);
        buffer[n] = 0;
        char *close_paren = NULL;
        for (char *p = buffer; *p; p++) if (*p == ')') close_paren = p;
        int ppid = 0;
        char state;
        if (close_paren && sscanf(close_paren + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid()) {
            kill(atoi(entry->d_name), SIGKILL);
            count++;
        }
    }
    closedir(proc);
    return count;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: subreaper SECONDS PROGRAM [ARGS...]\n");
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) perror("subreaper: prctl");
    struct sigaction action = {.sa_handler = on_signal};
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    struct sigaction alarm_action = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &alarm_action, NULL);
    pid_t main_pid = fork();
    if (main_pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        execvp(argv[2], argv + 2);
        perror("subreaper: exec");
        _exit(127);
    }
    alarm((unsigned)atoi(argv[1]));
    int main_status = 0;
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid == main_pid) {
            main_status = status;
            break;
        }
        if (pid < 0 && errno == EINTR && pending) {
            if (pending == SIGKILL) {
                fprintf(stderr, "subreaper: %s ran past its %s s bound, killing it\n", argv[2], argv[1]);
                kill(main_pid, SIGKILL);
            } else {
                kill(main_pid, pending);
            }
            pending = 0;
        }
        if (pid < 0 && errno == ECHILD) break;
    }
    /* Whatever the supervisor left behind (its kernels, daemonised children) goes too. */
    for (int round = 0; round < 50 && kill_children() > 0; round++) {
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
        usleep(20000);
    }
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
    return WIFEXITED(main_status) ? WEXITSTATUS(main_status) : 128 + WTERMSIG(main_status);
}
