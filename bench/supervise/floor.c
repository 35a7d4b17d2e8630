/* floor: the physical floor of crash-to-restart: a loop of posix_spawn + waitpid that restarts its one child the
 * moment it dies, with nothing else to do (no journal, no bookkeeping).
 *
 *   floor MAX-RESTARTS PROGRAM [ARGS...]
 *
 * Ends after MAX-RESTARTS restarts, or on SIGTERM/SIGINT (the child is killed first). */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static volatile sig_atomic_t stop;
static void on_signal(int signo) { (void)signo; stop = 1; }

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: floor MAX-RESTARTS PROGRAM [ARGS...]\n");
        return 2;
    }
    long max = atol(argv[1]);
    struct sigaction action = {.sa_handler = on_signal};  /* no SA_RESTART: waitpid returns EINTR */
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    for (long restarts = 0; !stop && restarts <= max; restarts++) {
        pid_t pid;
        if (posix_spawn(&pid, argv[2], NULL, NULL, argv + 2, environ) != 0) {
            perror("floor: posix_spawn");
            return 1;
        }
        int status;
        while (waitpid(pid, &status, 0) < 0) {
            if (stop) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                return 0;
            }
        }
    }
    return 0;
}
