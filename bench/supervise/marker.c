/* marker: the supervised process of bench/supervise. The first thing main() does is read CLOCK_MONOTONIC; then it
 * writes its pid to PREFIX.pid (for pidfile-based supervisors such as Monit), appends "NANOSECONDS PID\n" to
 * PREFIX.start (one line per life; O_APPEND writes of one line are atomic) and sleeps until killed.
 *
 *   marker PREFIX        e.g. marker bench/out/supervise-X/grace/k01
 *   marker -d PREFIX     daemonises after reading the clock (forks; the parent exits at once, the child records
 *                        its own pid): for Monit, which waits for its start program to exit and kills it after
 *                        30 s otherwise
 *   marker               PREFIX is "marker" in the working directory (runit: the service's `run` is this binary)
 *
 * Built with `cc -O2 -static` when the static libc is there, so that exec costs no dynamic loading. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void put(const char *prefix, const char *suffix, const char *text, int flags) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s%s", prefix, suffix) >= (int)sizeof path) return;
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
    if (fd < 0) return;
    ssize_t ignored = write(fd, text, strlen(text));
    (void)ignored;
    close(fd);
}

int main(int argc, char **argv) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int daemonise = argc > 2 && strcmp(argv[1], "-d") == 0;
    const char *prefix = argc > 1 ? argv[argc - 1] : "marker";
    if (daemonise) {
        pid_t child = fork();
        if (child != 0) _exit(child < 0);
        setsid();
    }
    char line[64];
    snprintf(line, sizeof line, "%ld\n", (long)getpid());
    put(prefix, ".pid", line, O_TRUNC);
    snprintf(line, sizeof line, "%lld %ld\n", (long long)now.tv_sec * 1000000000LL + now.tv_nsec, (long)getpid());
    put(prefix, ".start", line, O_APPEND);
    for (;;) pause();
}
