#!/bin/sh
# make demo: start the bundled fleet of real SSH servers on 127.0.0.1, scan it, show the
# summary, stop the servers. Usage: samples/demo.sh FLEETSCAN_BINARY REPORT_DIR
set -eu
bin=${1:?usage: demo.sh FLEETSCAN_BINARY REPORT_DIR}
out=${2:?usage: demo.sh FLEETSCAN_BINARY REPORT_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
state=$(mktemp -d "${TMPDIR:-/tmp}/fleetscan-demo.XXXXXX")

cleanup() {
    "$top/tests/fleet/fleet.sh" stop "$state" >/dev/null 2>&1 || true
    rm -rf "$state"
}
trap cleanup EXIT INT TERM

echo "fleetscan demo: starting the sample fleet (real sshd and dropbear on 127.0.0.1)"
"$top/tests/fleet/fleet.sh" start "$state" >/dev/null
echo "fleetscan demo: inventory $state/inventory.txt:"
sed 's/^/    /' "$state/inventory.txt"
echo
set +e
"$bin" scan "$state/inventory.txt" -o "$out" \
    --known-hosts "$state/known_hosts" -i "$state/id_ed25519" --timeout 5 --connect-timeout 5
status=$?
set -e
echo
echo "fleetscan demo: exit status $status (1 means some hosts are not ok: the fleet has a"
echo "device whose probe never ends, on purpose). Reports: $out/fleetscan.csv, $out/fleetscan.json"
[ "$status" -le 1 ]
