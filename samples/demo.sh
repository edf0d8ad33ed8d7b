#!/bin/sh
# make demo: start fleetsim with about 200 simulated devices on 127.0.0.1 (a mixed fleet, 30 ms
# round trips, a few hosts that refuse, hang or changed their key), scan it, show the summary,
# stop the simulator.
# Usage: samples/demo.sh FLEETSCAN_BINARY REPORT_DIR FLEETSIM_BINARY
set -eu
bin=${1:?usage: demo.sh FLEETSCAN_BINARY REPORT_DIR FLEETSIM_BINARY}
out=${2:?usage: demo.sh FLEETSCAN_BINARY REPORT_DIR FLEETSIM_BINARY}
sim=${3:?usage: demo.sh FLEETSCAN_BINARY REPORT_DIR FLEETSIM_BINARY}
top=$(cd "$(dirname "$0")/.." && pwd)
hosts=${DEMO_HOSTS:-200}
state=$(mktemp -d "${TMPDIR:-/tmp}/fleetscan-demo.XXXXXX")
simpid=

cleanup() {
    if [ -n "$simpid" ]; then
        kill "$simpid" 2>/dev/null || true
        wait "$simpid" 2>/dev/null || true
    fi
    rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ssh-keygen -q -t ed25519 -N '' -C fleetscan-demo -f "$state/id_ed25519" </dev/null

# A port range nobody uses: try a few bases; fleetsim exits 2 when a port is taken.
# Below the ephemeral range (32768 and up), where outgoing connections take their ports.
for base in 24000 26000 28000 14000 16000 18000 20000 10000; do
    "$sim" --hosts "$hosts" --port-base "$base" --mix "$top/samples/mix/demo.txt" \
        --rtt-ms 30 --jitter-ms 10 --lifetime 600 \
        --faults 'refused=1%,tarpit=1%,hang=1%,auth-denied=1%,changed-key=1%' \
        --inventory-out "$state/inventory.txt" --known-hosts-out "$state/known_hosts" \
        >"$state/fleetsim.log" 2>&1 &
    simpid=$!
    while kill -0 "$simpid" 2>/dev/null && ! grep -q listening "$state/fleetsim.log"; do
        sleep 0.1
    done
    grep -q listening "$state/fleetsim.log" && break
    wait "$simpid" 2>/dev/null || true
    simpid=
done
if [ -z "$simpid" ]; then
    echo "fleetscan demo: fleetsim did not start:" >&2
    cat "$state/fleetsim.log" >&2
    exit 1
fi
echo "fleetscan demo: $(grep listening "$state/fleetsim.log")"
echo "fleetscan demo: inventory $state/inventory.txt, first lines:"
sed -n '2,6s/^/    /p' "$state/inventory.txt"
echo
set +e
"$bin" scan "$state/inventory.txt" -o "$out" --known-hosts "$state/known_hosts" \
    --host-key-check strict -i "$state/id_ed25519" --timeout 5 --connect-timeout 3
status=$?
set -e
echo
echo "fleetscan demo: exit status $status (1 means some hosts are not ok: the simulated fleet"
echo "has hosts that refuse, hang or changed their key, on purpose)."
echo "Reports: $out/fleetscan.csv, $out/fleetscan.json, $out/summary.csv"
[ "$status" -le 1 ]
