# shellcheck shell=bash
# Shared by the helpers in libexec/ that Grace's shipped playbooks run as `exec` steps (sourced, not run).
#
# Every helper prints what it found or did; its last line is the report Grace keeps in the journal (the `detail`
# of `step.succeeded`), so it is one line that says the outcome. Plain bash, coreutils and /proc: nothing beyond
# what a fresh Debian machine has (grace-renew-cert also needs openssl, which scripts/setup installs).
#
# Grace runs `exec` steps with GRACE_STATE_DIR (its state directory) and GRACE_ROOT (the configuration root) in
# their environment; a helper finds the kernels of that Grace the way a restarted Grace finds leftovers: by the
# GRACE_KERNEL and GRACE_STATE_DIR of their environment, process group leaders only.

# die MESSAGE [STATUS]: the message as the report (Grace captures stdout and stderr as one), then exit (default 2).
die() {
    echo "$1"
    exit "${2:-2}"
}

# kernel_pid NAME: the main process of kernel NAME of this Grace (also its process group), or nothing.
kernel_pid() {
    local name="$1" stat pid rest
    [ -n "${GRACE_STATE_DIR:-}" ] || die "GRACE_STATE_DIR is not set: run this from a Grace playbook step"
    for stat in /proc/[0-9]*/stat; do
        pid="${stat#/proc/}"
        pid="${pid%/stat}"
        { read -r rest <"$stat"; } 2>/dev/null || continue # gone meanwhile
        rest="${rest##*) }"
        # shellcheck disable=SC2086
        set -- $rest
        [ "${3:-}" = "$pid" ] || continue # a group leader: field 5 of stat, the process group, is its own pid
        grep -qzx "GRACE_KERNEL=$name" "/proc/$pid/environ" 2>/dev/null || continue
        grep -qzx "GRACE_STATE_DIR=$GRACE_STATE_DIR" "/proc/$pid/environ" 2>/dev/null || continue
        echo "$pid"
        return 0
    done
}

# to_ms DURATION: `500ms`, `2s`, `5m`, `1h`, `14d` (or a bare number of seconds) in milliseconds.
to_ms() {
    local text="$1" number unit
    number="${text%%[a-z]*}"
    unit="${text#"$number"}"
    [[ "$number" =~ ^[0-9]+$ ]] || die "not a duration: $text"
    case "$unit" in
        ms) echo "$number" ;;
        s | "") echo $((number * 1000)) ;;
        m) echo $((number * 60000)) ;;
        h) echo $((number * 3600000)) ;;
        d) echo $((number * 86400000)) ;;
        *) die "not a duration: $text" ;;
    esac
}

# mib BYTES: bytes as MiB with one decimal.
mib() {
    awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'
}
