#!/bin/sh
# valgrind memcheck of a real scan: starts the test fleet (tests/fleet/fleet.sh) in WORK/fleet,
# scans every device kind plus the failure cases (a closed port, a changed host key, a refused
# key, the hang and endless devices) with FLEETSCAN under memcheck, and fails on any invalid
# read or write, use of uninitialised memory, or definite or indirect leak. The fleet is
# stopped on every exit. FLEETSCAN must be built without ASan (make valgrind uses
# build-valgrind/).
#
#     tests/valgrind/scan.sh build-valgrind/scanner/fleetscan build-valgrind/valgrind
set -eu
fleetscan=$(realpath "${1:?usage: scan.sh FLEETSCAN WORK_DIR}")
work=${2:?usage: scan.sh FLEETSCAN WORK_DIR}
here=$(cd "$(dirname "$0")" && pwd)
fleet_sh="$here/../fleet/fleet.sh"

rm -rf "$work"
mkdir -p "$work"
work=$(realpath "$work")
trap '"$fleet_sh" stop "$work/fleet" >/dev/null 2>&1 || true' EXIT INT TERM
"$fleet_sh" start "$work/fleet" >"$work/fleet.log" 2>&1 || { cat "$work/fleet.log"; exit 1; }
. "$work/fleet/fleet.env"

# Under memcheck every key exchange costs about a second of CPU, so the scan takes a few
# devices of each kind of answer rather than the whole fleet.
inv="$work/inventory.txt"
{
  echo "root@127.0.0.1:$PORT_UBUNTU_1804_AMD64_MOBY name=ubuntu"
  echo "root@127.0.0.1:$PORT_CENTOS_75_AMD64_DOCKERCE name=centos"
  echo "root@127.0.0.1:$PORT_WINDOWS_CMD name=windows-cmd"
  echo "root@127.0.0.1:$PORT_WINDOWS_POWERSHELL name=windows-powershell"
  echo "root@127.0.0.1:$PORT_HOSTILE_TEXT name=hostile-text"
  echo "root@127.0.0.1:$PORT_ENDLESS name=endless"
  echo "root@127.0.0.1:$PORT_HANG name=hang"
  echo "root@127.0.0.1:$DROPBEAR_PORT name=dropbear"
  echo "root@127.0.0.1:$CLOSED_PORT name=closed"
  echo "root@127.0.0.1:$CHANGED_PORT name=changed"
  echo "nobody@127.0.0.1:$PORT_UBUNTU_1804_AMD64_MOBY name=refused user=nobody"
} >>"$inv"
# The changed-key server must present a key that does not match: its right key is left out.
# dropbear's key is left out too, so that accept-new appends it.
grep -v -e "]:$CHANGED_PORT " -e "]:$DROPBEAR_PORT " "$KNOWN_HOSTS" >"$work/known_hosts"
cat "$KNOWN_HOSTS_CHANGED" >>"$work/known_hosts"

start=$(date +%s)
set +e
HOME="$work" valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \
  --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-origins=yes \
  --log-file="$work/memcheck.log" \
  "$fleetscan" scan -q -o "$work/out" --known-hosts "$work/known_hosts" -i "$KEY" \
  --timeout 12 --connect-timeout 12 --max-output 64K "$inv" >"$work/scan.out" 2>"$work/scan.err"
rc=$?
set -e
end=$(date +%s)
hosts=$(grep -c . "$inv")
summary=$(grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost" "$work/memcheck.log" |
  sed 's/^==[0-9]*== *//' | tr '\n' ';')
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
  echo "valgrind: FAILED: fleetscan under memcheck exited $rc ($summary)"
  cat "$work/scan.err"
  grep -A25 -E "Invalid|uninitialised|definitely lost in|indirectly lost in" "$work/memcheck.log" | head -80
  exit 1
fi
[ -s "$work/out/fleetscan.json" ] || { echo "valgrind: FAILED: no report written"; exit 1; }
# memcheck only checks the paths that ran: the probes must have run and been parsed.
ok=$(grep -c '"status": "ok"' "$work/out/fleetscan.json" || true)
if [ "$ok" -lt 7 ]; then
  echo "valgrind: FAILED: only $ok hosts ok, the probe paths were not exercised"; exit 1
fi
grep -q "]:$DROPBEAR_PORT " "$work/known_hosts" || { echo "valgrind: FAILED: no key appended"; exit 1; }
echo "valgrind: ok: $hosts hosts in $((end - start)) s, exit $rc; $summary"
