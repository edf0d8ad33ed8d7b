#!/usr/bin/env bash
# extra.sh: the servers the SSH-setup tests need next to a running fleet (tests/fleet/fleet.sh).
#
#   extra.sh start EXTRA_DIR FLEET_DIR   start them, wait until they answer
#   extra.sh stop EXTRA_DIR              stop them (idempotent)
#
# - a bastion: OpenSSH sshd with TCP forwarding to 127.0.0.1 only, its own host key, the
#   fleet's authorized_keys, no shell (ForceCommand /bin/false, no TTY);
# - a password-only device: dropbear in a copy of the fleet's dropbear root, where root's
#   password is PASSWORD below (public keys are refused there: no authorized_keys).
# Everything listens on 127.0.0.1 and runs under timeout(1), so it stops by itself.
# EXTRA_DIR/extra.env holds BASTION_PORT, PASSWORD_PORT, PASSWORD, KNOWN_HOSTS_EXTRA (the
# fleet's known_hosts plus both servers) and the logs' paths.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HOST=127.0.0.1
LIFETIME=${FLEET_LIFETIME:-1800}
PASSWORD='fleet-Pass-42'
MARKER=.fleetscan-extra

die() {
    echo "extra: $*" >&2
    exit 1
}

free_port() {
    local p
    for _ in $(seq 1 100); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
        ss -Hltn "sport = :$p" 2>/dev/null | grep -q . && continue
        (exec 3<>"/dev/tcp/$HOST/$p") 2>/dev/null && continue
        echo "$p"
        return 0
    done
    die "no free port"
}

launch() {
    local name=$1
    shift
    setsid timeout --kill-after=10 "$LIFETIME" "$@" </dev/null >>"$X/$name.log" 2>&1 &
    echo $! >"$X/pids/$name.pgid"
}

stop_extra() {
    local f pgid
    [ -d "$X/pids" ] || return 0
    for f in "$X"/pids/*.pgid; do
        [ -e "$f" ] || continue
        pgid=$(cat "$f")
        kill -TERM -- "-$pgid" 2>/dev/null || true
    done
    sleep 0.3
    for f in "$X"/pids/*.pgid; do
        [ -e "$f" ] || continue
        kill -KILL -- "-$(cat "$f")" 2>/dev/null || true
        rm -f "$f"
    done
    rm -f "$X/extra.env"
}

wait_port() {
    local port=$1 deadline=$((SECONDS + 20))
    until ssh-keyscan -T 2 -t ed25519 -p "$port" "$HOST" 2>/dev/null | grep -q ed25519; do
        [ $SECONDS -lt $deadline ] || die "nothing answers on port $port; see $X/*.log"
        sleep 0.2
    done
}

start_extra() {
    [ -f "$FLEET/fleet.env" ] || die "no fleet in $FLEET (start it with fleet.sh start)"
    # shellcheck disable=SC1091
    . "$FLEET/fleet.env"
    mkdir -p "$X"
    X=$(cd "$X" && pwd)
    if [ -n "$(ls -A "$X")" ] && [ ! -e "$X/$MARKER" ]; then
        die "$X is not empty and holds no extra servers: refusing to use it"
    fi
    stop_extra
    find "$X" -mindepth 1 -maxdepth 1 ! -name "$MARKER" -exec rm -rf {} +
    : >"$X/$MARKER"
    mkdir -p "$X/pids"
    trap 'stop_extra' EXIT

    BASTION_PORT=$(free_port)
    PASSWORD_PORT=$(free_port)
    [ "$BASTION_PORT" != "$PASSWORD_PORT" ] || PASSWORD_PORT=$((BASTION_PORT + 1))

    ssh-keygen -q -t ed25519 -N '' -C fleet-bastion -f "$X/bastion_host_key"
    cat >"$X/sshd_config.bastion" <<EOF
ListenAddress $HOST:$BASTION_PORT
HostKey "$X/bastion_host_key"
PidFile "$X/bastion.pid"
AuthorizedKeysFile "$FLEET_STATE_DIR/authorized_keys"
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
MaxStartups 100:30:200
LogLevel VERBOSE
AllowTcpForwarding local
PermitOpen $HOST:*
AllowAgentForwarding no
X11Forwarding no
PermitTTY no
ForceCommand /bin/false
EOF
    /usr/sbin/sshd -t -f "$X/sshd_config.bastion" || die "sshd rejects the bastion's config"
    launch bastion /usr/sbin/sshd -D -f "$X/sshd_config.bastion" -E "$X/bastion-sshd.log"

    # The password device: a copy of the fleet's dropbear root, root with a known password and
    # no authorized_keys.
    rm -rf "$X/pwroot"
    cp -a "$ROOTS_DIR/.dropbear" "$X/pwroot"
    find "$X/pwroot" -name authorized_keys -delete
    hash=$(openssl passwd -6 "$PASSWORD")
    awk -F: -v h="$hash" 'BEGIN { OFS = ":" } $1 == "root" { $2 = h } { print }' \
        "$X/pwroot/etc/shadow" >"$X/shadow.tmp"
    mv "$X/shadow.tmp" "$X/pwroot/etc/shadow"
    chmod 600 "$X/pwroot/etc/shadow"
    launch password chroot "$X/pwroot" /usr/sbin/dropbear -F -E -m -p "$HOST:$PASSWORD_PORT" \
        -r /etc/dropbear/dropbear_ed25519_host_key -P /run/dropbear-pw.pid

    wait_port "$BASTION_PORT"
    wait_port "$PASSWORD_PORT"
    {
        cat "$KNOWN_HOSTS"
        echo "[$HOST]:$BASTION_PORT $(awk '{ print $1, $2 }' "$X/bastion_host_key.pub")"
        echo "[$HOST]:$PASSWORD_PORT $(cat "$DROPBEAR_HOST_KEY_PUB")"
    } >"$X/known_hosts"
    {
        echo "BASTION_PORT=$BASTION_PORT"
        echo "PASSWORD_PORT=$PASSWORD_PORT"
        echo "PASSWORD='$PASSWORD'"
        echo "KNOWN_HOSTS_EXTRA='$X/known_hosts'"
        echo "BASTION_LOG='$X/bastion-sshd.log'"
        echo "BASTION_HOST_KEY_PUB='$X/bastion_host_key.pub'"
    } >"$X/extra.env"
    trap - EXIT
    echo "extra: bastion on $BASTION_PORT, password device on $PASSWORD_PORT" >&2
}

[ $# -ge 2 ] || die "usage: $0 start EXTRA_DIR FLEET_DIR | stop EXTRA_DIR"
X=$2
case "$1" in
start)
    [ $# -eq 3 ] || die "usage: $0 start EXTRA_DIR FLEET_DIR"
    FLEET=$(cd "$3" && pwd)
    start_extra
    ;;
stop)
    [ -d "$X" ] || exit 0
    X=$(cd "$X" && pwd)
    stop_extra
    ;;
*) die "usage: $0 start EXTRA_DIR FLEET_DIR | stop EXTRA_DIR" ;;
esac
