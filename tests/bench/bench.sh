#!/usr/bin/env bash
# bench.sh: how fast fleetscan scans simulated hosts, and how that compares with fanning the same
# probe out through the OpenSSH client. Run by `make bench`; never part of the tests.
#
#   tests/bench/bench.sh [--hosts N] [--rtt-ms MS] [--jitter-ms MS] [--parallel P]
#                        [--baseline-hosts M] [--baseline-parallel Q] [--no-baseline]
#                        [--fleetscan BIN] [--fleetsim BIN] [--perf FILE] [--keep]
#
# Starts fleetsim (--hosts N, latency --rtt-ms) on 127.0.0.1, scans all N hosts with the
# optimised fleetscan (build-release/, `make release`) at --parallel P, and prints hosts/s, wall
# time, CPU time, peak RSS and memory per in-flight host. Then, against the same fleet, runs the
# same probe script on the first M hosts with `xargs -P Q ssh` and, when installed,
# `parallel-ssh -p Q` (Debian package pssh), and prints fleetscan's hosts/s over theirs.
# --perf FILE records the fleetscan scan with `perf record -g` into FILE.
# docs/benchmarks.md has the figures of this machine and the exact commands.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
HOSTS=1000
RTT=100
JITTER=0
PARALLEL=
BASE_HOSTS=
BASE_PAR=128
BASELINE=yes
KEEP=no
PERF=
FLEETSCAN=$REPO/build-release/scanner/fleetscan
FLEETSIM=$REPO/build-release/tests/fleetsim/fleetsim

die() {
    echo "bench: $*" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
    --hosts) HOSTS=$2; shift ;;
    --rtt-ms) RTT=$2; shift ;;
    --jitter-ms) JITTER=$2; shift ;;
    --parallel) PARALLEL=$2; shift ;;
    --baseline-hosts) BASE_HOSTS=$2; shift ;;
    --baseline-parallel) BASE_PAR=$2; shift ;;
    --no-baseline) BASELINE=no ;;
    --fleetscan) FLEETSCAN=$2; shift ;;
    --fleetsim) FLEETSIM=$2; shift ;;
    --perf) PERF=$2; shift ;;
    --keep) KEEP=yes ;;
    -h | --help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done
PARALLEL=${PARALLEL:-$((HOSTS < 1000 ? HOSTS : 1000))}
BASE_HOSTS=${BASE_HOSTS:-$((HOSTS < 200 ? HOSTS : 200))}
[ -x "$FLEETSCAN" ] || die "$FLEETSCAN missing: run 'make release' (or pass --fleetscan)"
[ -x "$FLEETSIM" ] || die "$FLEETSIM missing: run 'make release' (or pass --fleetsim)"
command -v ssh >/dev/null || die "ssh missing (apt-get install openssh-client)"

STATE=$(mktemp -d "${TMPDIR:-/tmp}/fleetscan-bench.XXXXXX")
SIMPID=
cleanup() {
    if [ -n "$SIMPID" ]; then
        kill "$SIMPID" 2>/dev/null || true
        wait "$SIMPID" 2>/dev/null || true
    fi
    if [ "$KEEP" = yes ]; then echo "bench: kept $STATE"; else rm -rf "$STATE"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

# Children's CPU seconds (user+sys) so far, from bash's `times`.
child_cpu() {
    times >"$STATE/times"
    awk 'NR == 2 {
        split($1, u, /[ms]/); split($2, s, /[ms]/)
        printf "%.3f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$STATE/times"
}

# run_measured OUTVAR CMD...: runs CMD, polls its peak RSS (VmHWM, KiB), sets
# OUTVAR_wall, OUTVAR_cpu, OUTVAR_rss and OUTVAR_status.
run_measured() {
    local var=$1 t0 c0 pid hwm=0 h status=0 fds=0 f n=0
    shift
    child_cpu >"$STATE/c0"
    c0=$(cat "$STATE/c0")
    t0=$(now)
    "$@" >"$STATE/$var.stdout" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        h=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
        # Open descriptors, every fourth round (listing thousands costs time).
        if [ $((n++ % 4)) -eq 0 ]; then
            f=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
            [ "$f" -gt "$fds" ] && fds=$f
        fi
        sleep 0.05
    done
    wait "$pid" || status=$?
    printf -v "${var}_wall" '%s' "$(calc "$(now) - $t0" 3)"
    child_cpu >"$STATE/c1"
    printf -v "${var}_cpu" '%s' "$(calc "$(cat "$STATE/c1") - $c0" 2)"
    printf -v "${var}_rss" '%s' "$hwm"
    printf -v "${var}_status" '%s' "$status"
    printf -v "${var}_fds" '%s' "$fds"
}

start_sim() {
    local base
    # Below the ephemeral range (32768+), where connections of this very scan take their ports.
    for base in 12000 22000 2000; do
        [ $((base + HOSTS)) -le 32768 ] || continue
        "$FLEETSIM" --hosts "$HOSTS" --port-base "$base" --rtt-ms "$RTT" --jitter-ms "$JITTER" \
            --lifetime 900 --inventory-out "$STATE/inventory.txt" \
            --known-hosts-out "$STATE/known_hosts" >"$STATE/fleetsim.log" 2>&1 &
        SIMPID=$!
        while kill -0 "$SIMPID" 2>/dev/null && ! grep -q listening "$STATE/fleetsim.log"; do
            sleep 0.1
        done
        if grep -q listening "$STATE/fleetsim.log"; then
            PORT_BASE=$base
            return 0
        fi
        wait "$SIMPID" 2>/dev/null || true
        SIMPID=
    done
    cat "$STATE/fleetsim.log" >&2
    die "fleetsim did not start"
}

ssh-keygen -q -t ed25519 -N '' -C fleetscan-bench -f "$STATE/id_ed25519" </dev/null
start_sim
"$FLEETSCAN" probe --print linux >"$STATE/probe.sh"

echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
    "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM," \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "fleet:   $HOSTS fleetsim hosts on 127.0.0.1:$PORT_BASE+, rtt ${RTT} ms, jitter ${JITTER} ms"

# fleetscan's own memory with one host in flight: the base the per-host figure is measured from.
head -2 "$STATE/inventory.txt" >"$STATE/one.txt"
run_measured one "$FLEETSCAN" scan "$STATE/one.txt" -o "$STATE/out-one" -q \
    --known-hosts "$STATE/known_hosts" --host-key-check strict -i "$STATE/id_ed25519"

scan=("$FLEETSCAN" scan "$STATE/inventory.txt" -o "$STATE/out" -q -p "$PARALLEL"
    --known-hosts "$STATE/known_hosts" --host-key-check strict -i "$STATE/id_ed25519"
    --connect-timeout 30 --timeout 60)
if [ -n "$PERF" ]; then
    run_measured fs perf record -g -q -o "$PERF" -- "${scan[@]}"
else
    run_measured fs "${scan[@]}"
fi
ok=$(grep -c ',ok,' "$STATE/out/fleetscan.csv" || true)
inflight=$((PARALLEL < HOSTS ? PARALLEL : HOSTS))
fs_rate=$(calc "$HOSTS / $fs_wall" 1)
per_host=$(calc "($fs_rss - $one_rss) / $inflight" 1)
echo
echo "fleetscan -p $PARALLEL: $HOSTS hosts ($ok ok, exit $fs_status) in $fs_wall s wall," \
    "$fs_cpu s CPU: $fs_rate hosts/s"
echo "  peak RSS $(calc "$fs_rss / 1024" 1) MiB (one host: $(calc "$one_rss / 1024" 1) MiB);" \
    "$per_host KiB per in-flight host ($inflight in flight);" \
    "target $(calc "20 + $inflight * 64 / 1024" 1) MiB (20 MB + 64 KiB per host);" \
    "peak $fs_fds open descriptors"

if [ "$ok" -lt "$HOSTS" ]; then
    echo "  not ok: $(awk -F, '$1 == "status" && $2 != "ok" && $3 > 0 { printf "%s %s  ", $2, $3 }' \
        "$STATE/out/summary.csv")"
fi

[ "$BASELINE" = yes ] || exit 0

# The same probe through the OpenSSH client, one process per host.
sed -n "2,$((BASE_HOSTS + 1))p" "$STATE/inventory.txt" | sed 's/^[^:]*:\([0-9]*\) .*/\1/' \
    >"$STATE/ports"
cat >"$STATE/ssh1" <<SH
#!/bin/sh
exec ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$STATE/known_hosts" -o GlobalKnownHostsFile=/dev/null \
    -o IdentitiesOnly=yes -o ConnectTimeout=30 -i "$STATE/id_ed25519" -p "\$1" fleet@127.0.0.1 \
    "\$(cat "$STATE/probe.sh")" >"$STATE/xargs-out/\$1" 2>&1
SH
chmod +x "$STATE/ssh1"
mkdir -p "$STATE/xargs-out"
run_measured xa sh -c "xargs -P '$BASE_PAR' -n 1 '$STATE/ssh1' <'$STATE/ports'"
xa_ok=$(grep -l '^@@fleetscan-probe\|^@@fleetscan-windows\|is not recognized\|CommandNotFound\|not a valid' \
    "$STATE"/xargs-out/* 2>/dev/null | wc -l)
xa_rate=$(calc "$BASE_HOSTS / $xa_wall" 1)
echo
echo "xargs -P $BASE_PAR ssh: $BASE_HOSTS hosts ($xa_ok answered) in $xa_wall s wall," \
    "$xa_cpu s CPU: $xa_rate hosts/s"
best=$xa_rate
best_name="xargs -P $BASE_PAR ssh"

if command -v parallel-ssh >/dev/null; then
    sed 's/^/fleet@127.0.0.1:/' "$STATE/ports" >"$STATE/pssh-hosts"
    run_measured ps parallel-ssh -h "$STATE/pssh-hosts" -p "$BASE_PAR" -t 60 \
        -o "$STATE/pssh-out" -e "$STATE/pssh-err" -x "-F /dev/null" -O BatchMode=yes \
        -O StrictHostKeyChecking=yes -O "UserKnownHostsFile=$STATE/known_hosts" \
        -O GlobalKnownHostsFile=/dev/null -O IdentitiesOnly=yes -O "IdentityFile=$STATE/id_ed25519" \
        "$(cat "$STATE/probe.sh")"
    ps_rate=$(calc "$BASE_HOSTS / $ps_wall" 1)
    echo "parallel-ssh -p $BASE_PAR: $BASE_HOSTS hosts (exit $ps_status) in $ps_wall s wall," \
        "$ps_cpu s CPU: $ps_rate hosts/s"
    if awk "BEGIN { exit !($ps_rate > $best) }"; then
        best=$ps_rate
        best_name="parallel-ssh -p $BASE_PAR"
    fi
else
    echo "parallel-ssh: not installed (apt-get install pssh), skipped"
fi
echo
echo "ratio: fleetscan $fs_rate hosts/s / $best_name $best hosts/s = $(calc "$fs_rate / $best" 1)x (target >= 10x)"
