#!/usr/bin/env bash
# fleet.sh: a fleet of real SSH servers on 127.0.0.1 for fleetscan's integration tests and demo.
#
#   fleet.sh start STATE_DIR    build the device roots, start the servers, wait until they answer
#   fleet.sh stop STATE_DIR     stop everything start started (idempotent)
#
# One OpenSSH sshd serves every device kind of samples/devices/ on its own port, each port
# chrooted (Match LocalPort + ChrootDirectory) into a root made of busybox, the device's files
# and generated device commands. A second sshd with another host key serves the changed-key
# test, a dropbear in its own chroot serves a Yocto-style device. Everything listens on
# 127.0.0.1 only and runs under timeout(1), so a forgotten fleet stops by itself. What start
# writes into STATE_DIR (fleet.env, inventory.txt, known_hosts, keys) is described in
# docs/testing.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
DEVICES_DIR=${FLEET_DEVICES_DIR:-$REPO/samples/devices}
DEVBIN=$HERE/devbin
LIFETIME=${FLEET_LIFETIME:-1800}
DROPBEAR_DEVICE=${FLEET_DROPBEAR_DEVICE:-yocto-poky-amd64}
CHANGED_DEVICE=${FLEET_CHANGED_DEVICE:-ubuntu-1804-amd64-moby}
HOST=127.0.0.1
SSHD=/usr/sbin/sshd
DROPBEAR=/usr/sbin/dropbear
MARKER=.fleetscan-fleet

# busybox applets every device root gets. Left out on purpose: sh (see HOST_TOOLS), uname,
# hostname, df (the device answers those itself), dpkg and rpm (only devices with that package
# manager have them), and applets that read the host's kernel state (ps, free, nproc, uptime,
# mount).
APPLETS='[ [[ awk basename cat chmod chown cmp cp cut date dd diff dirname du echo egrep expr
false fgrep grep gunzip gzip head hexdump id kill ln ls md5sum mkdir mkfifo mktemp mv od
printf pwd readlink realpath rm rmdir sed seq sha256sum sleep sort stat strings tail tee test
touch tr true uniq wc which whoami yes zcat'

# Real programs copied from the host with their libraries. Debian's static busybox runs its own
# applets before looking at PATH (it is built as a rescue shell), so busybox sh, env, xargs or
# timeout would run busybox's uname and show the host. /bin/sh is dash instead, as on Debian,
# and the programs that run other programs are the GNU ones.
HOST_TOOLS='dash:/bin/sh env:/usr/bin/env timeout:/usr/bin/timeout xargs:/usr/bin/xargs
find:/usr/bin/find nice:/usr/bin/nice nohup:/usr/bin/nohup'

die() {
    echo "fleet: $*" >&2
    exit 1
}
log() {
    echo "fleet: $*" >&2
}

usage() {
    echo "usage: $0 start|stop STATE_DIR" >&2
    exit 2
}

# The name of a device kind as a shell variable suffix: raspbian-stretch-armv7 -> RASPBIAN_...
var_of() {
    printf '%s' "$1" | tr 'a-z-' 'A-Z_'
}

kinds() {
    local d
    for d in "$DEVICES_DIR"/*/; do
        d=${d%/}
        [ -f "$d/device.conf" ] && printf '%s\n' "${d##*/}"
    done
}

need_tools() {
    local t
    [ "$(id -u)" -eq 0 ] || die "must run as root: sshd needs it for ChrootDirectory"
    for t in "$SSHD" "$DROPBEAR"; do
        [ -x "$t" ] || die "$t is missing (apt-get install openssh-server dropbear-bin)"
    done
    for t in ssh-keygen ssh-keyscan dropbearkey timeout setsid ldd getent chroot mknod bash; do
        command -v "$t" >/dev/null || die "$t is missing"
    done
    for t in $HOST_TOOLS; do
        command -v "${t%%:*}" >/dev/null || die "${t%%:*} is missing"
    done
    BUSYBOX=$(command -v busybox || true)
    [ -n "$BUSYBOX" ] || die "busybox is missing (apt-get install busybox-static)"
    # A dynamic busybox would need its libraries in every root; insist on the static one.
    if ldd "$BUSYBOX" >/dev/null 2>&1; then
        die "$BUSYBOX is not static (apt-get install busybox-static)"
    fi
}

# --- device roots ------------------------------------------------------------------------------

# Puts a file of the shared copy (SHARED, same file system) into a root: a hard link, so the
# roots share one copy of bash, dash and libc.
link_shared() {
    local path=$1 root=$2 dest=$3
    mkdir -p "$root$(dirname "$dest")"
    rm -f "$root$dest"
    ln "$SHARED$path" "$root$dest" 2>/dev/null || cp -f "$SHARED$path" "$root$dest"
}

# Copies a host binary and the shared libraries ldd names into a root, the libraries at the
# paths the binary's loader looks for them.
copy_with_libs() {
    local bin=$1 root=$2 dest=$3 lib
    bin=$(readlink -f "$bin")
    for lib in "$bin" $(ldd "$bin" | awk '/=> \// { print $3 } /^[ \t]*\// { print $1 }'); do
        if [ ! -e "$SHARED$lib" ]; then
            mkdir -p "$SHARED$(dirname "$lib")"
            cp -fL "$lib" "$SHARED$lib"
        fi
        [ "$lib" = "$bin" ] || [ -e "$root$lib" ] || link_shared "$lib" "$root" "$lib"
    done
    link_shared "$bin" "$root" "$dest"
}

# /dev/null must behave: every probe redirects into it. mknod is tried first; where device
# nodes do not work (a nodev mount), a world-writable file is the fallback.
make_dev() {
    local root=$1 name major minor
    mkdir -p "$root/dev"
    chmod 755 "$root/dev"
    for spec in null:1:3 zero:1:5 random:1:8 urandom:1:9; do
        IFS=: read -r name major minor <<<"$spec"
        rm -f "$root/dev/$name"
        if mknod -m 666 "$root/dev/$name" c "$major" "$minor" 2>/dev/null &&
            : >"$root/dev/$name" 2>/dev/null; then
            continue
        fi
        rm -f "$root/dev/$name"
        if [ "$name" = null ]; then
            : >"$root/dev/null"
            chmod 666 "$root/dev/null"
        fi
    done
}

# Writes a device command: the device's device.conf, then the shared body from devbin/.
gen_command() {
    local kind=$1 root=$2 cmd=$3 dest=$4 body=$DEVBIN/$3
    # docker.exe is the same program as docker, answering for a Windows engine.
    [ -f "$body" ] || body=$DEVBIN/${cmd%.exe}
    [ -f "$body" ] || die "$kind: unknown device command '$cmd' (no $DEVBIN/$cmd)"
    mkdir -p "$root$(dirname "$dest")"
    {
        echo '#!/bin/busybox sh'
        echo "# $cmd of the $kind device, written by tests/fleet/fleet.sh."
        cat "$DEVICES_DIR/$kind/device.conf"
        # A slow device (SLOW=seconds in device.conf) answers every command late, so its
        # output reaches the scanner in pieces, as from a loaded single-core board.
        echo '[ -z "${SLOW:-}" ] || sleep "$SLOW"'
        cat "$body"
    } >"$root$dest"
    chmod 755 "$root$dest"
}

command_path() {
    case "$1" in
    uname | hostname | df) echo "/bin/$1" ;;
    cmd.exe | reg.exe) echo "/Windows/System32/$1" ;;
    docker.exe) echo "/Program Files/Docker/docker.exe" ;;
    powershell.exe) echo "/Windows/System32/WindowsPowerShell/v1.0/powershell.exe" ;;
    *) echo "/usr/bin/$1" ;;
    esac
}

# sshd runs every command as "ROOT_SHELL -c COMMAND", ROOT_SHELL being root's shell in the
# HOST's passwd (sshd looks the user up before it chroots). So ROOT_SHELL must exist inside
# every root: it is either the device's login shell itself or a two-line script that hands
# over to it.
install_login_shell() {
    local kind=$1 root=$2 login=$3 target
    case "$login" in
    bash)
        copy_with_libs "$(command -v bash)" "$root" /bin/bash
        target=/bin/bash
        ;;
    sh) target=/bin/sh ;;
    cmd) target=/Windows/System32/cmd.exe ;;
    powershell) target=/Windows/System32/WindowsPowerShell/v1.0/powershell.exe ;;
    endless)
        # A broken login shell: whatever it is asked to run, it prints one line forever.
        target=/bin/endless
        printf '#!/bin/busybox sh\n# The endless login shell: every command prints this line forever.\nexec /bin/busybox yes "endless output from a broken login shell"\n' \
            >"$root$target"
        chmod 755 "$root$target"
        ;;
    *) die "$kind: LOGIN_SHELL must be bash, sh, cmd, powershell or endless, not '$login'" ;;
    esac
    if [ "$ROOT_SHELL" != "$target" ]; then
        mkdir -p "$root$(dirname "$ROOT_SHELL")"
        rm -f "$root$ROOT_SHELL"
        printf '#!/bin/busybox sh\n# root'\''s login shell on the host is %s: hand over to the device'\''s.\nexec %s "$@"\n' \
            "$ROOT_SHELL" "$target" >"$root$ROOT_SHELL"
        chmod 755 "$root$ROOT_SHELL"
    fi
}

build_root() {
    local kind=$1 root=$2 conf=$DEVICES_DIR/$1/device.conf a cmd d f
    local LOGIN_SHELL='' COMMANDS='' MKDIRS='' FIFOS=''
    # Read only the settings fleet.sh needs, in a subshell, so a device.conf cannot change
    # fleet.sh's own variables.
    eval "$(
        # shellcheck disable=SC1090
        . "$conf"
        printf 'LOGIN_SHELL=%q COMMANDS=%q MKDIRS=%q FIFOS=%q\n' \
            "${LOGIN_SHELL:-}" "${COMMANDS:-}" "${MKDIRS:-}" "${FIFOS:-}"
    )"
    [ -n "$LOGIN_SHELL" ] || die "$kind: device.conf sets no LOGIN_SHELL"
    rm -rf "$root"
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,etc,root,tmp,var/tmp,run,home}
    chmod 1777 "$root/tmp" "$root/var/tmp"
    chmod 700 "$root/root"
    ln "$SHARED/busybox" "$root/bin/busybox" 2>/dev/null || cp -f "$SHARED/busybox" "$root/bin/busybox"
    for a in $APPLETS; do
        ln -sf busybox "$root/bin/$a"
    done
    for a in $HOST_TOOLS; do
        copy_with_libs "$(command -v "${a%%:*}")" "$root" "${a#*:}"
    done
    make_dev "$root"
    case "$LOGIN_SHELL" in
    cmd | powershell) COMMANDS="cmd.exe powershell.exe reg.exe $COMMANDS" ;;
    *) COMMANDS="uname hostname $COMMANDS" ;;
    esac
    for cmd in $COMMANDS; do
        gen_command "$kind" "$root" "$cmd" "$(command_path "$cmd")"
    done
    install_login_shell "$kind" "$root" "$LOGIN_SHELL"
    # The device's own files come last so that a device can override anything above.
    if [ -d "$DEVICES_DIR/$kind/root" ]; then
        # --remove-destination: a device file replacing a busybox link must not write
        # through the link into busybox itself.
        cp -RP --remove-destination "$DEVICES_DIR/$kind/root/." "$root/"
    fi
    for d in $MKDIRS; do
        mkdir -p "$root$d"
    done
    for f in $FIFOS; do
        mkdir -p "$root$(dirname "$f")"
        rm -f "$root$f"
        mkfifo -m 644 "$root$f"
    done
    # sshd refuses a chroot that is group- or world-writable; git checkouts may carry any umask.
    chown -R 0:0 "$root"
    chmod 755 "$root"
    chmod -R go-w "$root"
    chmod 1777 "$root/tmp" "$root/var/tmp"
    chmod 666 "$root"/dev/*
    for d in bin sbin usr/bin usr/sbin; do
        find "$root/$d" -maxdepth 1 -type f -exec chmod 755 {} +
    done
}

# The dropbear device: a normal device root plus dropbear itself, its own passwd (root's shell
# /bin/sh) and its own /root/.ssh/authorized_keys, so the host's /root/.ssh is never touched.
build_dropbear_root() {
    local root=$1 home
    build_root "$DROPBEAR_DEVICE" "$root"
    copy_with_libs "$DROPBEAR" "$root" /usr/sbin/dropbear
    grep -q '^root:' "$root/etc/passwd" 2>/dev/null ||
        echo 'root:x:0:0:root:/root:/bin/sh' >>"$root/etc/passwd"
    # dropbear looks root up in the root's own passwd: its home holds authorized_keys.
    home=$(awk -F: '$1 == "root" { print $6 }' "$root/etc/passwd")
    home=${home:-/root}
    mkdir -p "$root/etc/dropbear" "$root$home/.ssh" "$root/run"
    cp "$STATE/dropbear_ed25519_host_key" "$root/etc/dropbear/dropbear_ed25519_host_key"
    chmod 600 "$root/etc/dropbear/dropbear_ed25519_host_key"
    cp "$STATE/id_ed25519.pub" "$root$home/.ssh/authorized_keys"
    chmod 700 "$root$home" "$root$home/.ssh"
    chmod 600 "$root$home/.ssh/authorized_keys"
    printf '/bin/sh\n/bin/ash\n' >"$root/etc/shells"
    printf 'passwd: files\ngroup: files\nshadow: files\n' >"$root/etc/nsswitch.conf"
    [ -f "$root/etc/shadow" ] || printf 'root:*:17897:0:99999:7:::\n' >"$root/etc/shadow"
    chmod 600 "$root/etc/shadow"
}

# sshd's ChrootDirectory wants every component of the path owned by root and not writable by
# group or others. A build tree under such a path is used as is; otherwise the roots go to a
# fresh directory under /run.
roots_dir_for() {
    local state=$1 p=$1 owner mode
    while [ "$p" != / ] && [ -n "$p" ]; do
        if [ -e "$p" ]; then
            owner=$(stat -c %u "$p")
            mode=$(stat -c %a "$p")
            if [ "$owner" != 0 ] || [ $((0$mode & 022)) -ne 0 ]; then
                local dir
                dir=$(mktemp -d /run/fleetscan-roots.XXXXXX)
                chmod 755 "$dir"
                echo "$dir"
                return 0
            fi
        fi
        p=$(dirname "$p")
    done
    echo "$state/roots"
}

# --- ports, keys, configuration ----------------------------------------------------------------

port_busy() {
    local p=$1
    if command -v ss >/dev/null; then
        ss -Hltn "sport = :$p" 2>/dev/null | grep -q . && return 0
    fi
    (exec 3<>"/dev/tcp/$HOST/$p") 2>/dev/null && return 0
    return 1
}

# Picks COUNT consecutive free ports below the kernel's ephemeral range, at a random base so
# that parallel fleets rarely meet; start verifies every port answers with our key anyway.
pick_ports() {
    local count=$1 base p ok
    for _ in $(seq 1 50); do
        base=$((20000 + (RANDOM * 32768 + RANDOM) % (12000 - count)))
        ok=yes
        for p in $(seq "$base" $((base + count - 1))); do
            if port_busy "$p"; then
                ok=no
                break
            fi
        done
        if [ "$ok" = yes ]; then
            echo "$base"
            return 0
        fi
    done
    die "no $count free consecutive ports found between 20000 and 32000"
}

make_keys() {
    ssh-keygen -q -t ed25519 -N '' -C fleet-host -f "$STATE/ssh_host_ed25519_key"
    ssh-keygen -q -t ed25519 -N '' -C fleet-changed-host -f "$STATE/ssh_host_changed_ed25519_key"
    ssh-keygen -q -t ed25519 -N '' -C fleet-client -f "$STATE/id_ed25519"
    ssh-keygen -q -t ed25519 -N '' -C fleet-other-client -f "$STATE/id_other"
    dropbearkey -t ed25519 -f "$STATE/dropbear_ed25519_host_key" >/dev/null 2>&1 ||
        die "dropbearkey could not make a host key"
    dropbearkey -y -f "$STATE/dropbear_ed25519_host_key" 2>/dev/null |
        grep '^ssh-ed25519 ' | awk '{ print $1, $2 }' >"$STATE/dropbear_ed25519_host_key.pub"
    cp "$STATE/id_ed25519.pub" "$STATE/authorized_keys"
    chmod 600 "$STATE/authorized_keys"
}

common_sshd_options() {
    cat <<EOF
HostKey "$STATE/$1"
PidFile "$STATE/$2"
AuthorizedKeysFile "$STATE/authorized_keys"
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
MaxStartups 100:30:200
MaxAuthTries 10
LoginGraceTime 30
LogLevel VERBOSE
AllowTcpForwarding no
AllowAgentForwarding no
X11Forwarding no
PermitTTY yes
PrintMotd no
PrintLastLog no
AcceptEnv LANG LC_*
EOF
}

write_sshd_configs() {
    local kind
    {
        echo "# The device fleet: one port per device kind, each chrooted to its root."
        for kind in $KINDS; do
            echo "ListenAddress $HOST:${PORT[$kind]}"
        done
        common_sshd_options ssh_host_ed25519_key sshd.pid
        for kind in $KINDS; do
            echo
            echo "Match LocalPort ${PORT[$kind]}"
            echo "    ChrootDirectory \"$ROOTS/$kind\""
        done
    } >"$STATE/sshd_config"
    {
        echo "# The changed-host-key server: same users and devices, another host key."
        echo "ListenAddress $HOST:$CHANGED_PORT"
        common_sshd_options ssh_host_changed_ed25519_key sshd-changed.pid
        echo "ChrootDirectory \"$ROOTS/$CHANGED_DEVICE\""
    } >"$STATE/sshd_config.changed"
    # sshd's privilege separation directory; the openssh-server package creates it only when
    # its own service starts, and sshd -t already wants it.
    if [ ! -d /run/sshd ]; then
        mkdir -p /run/sshd
        chmod 755 /run/sshd
    fi
    "$SSHD" -t -f "$STATE/sshd_config" || die "sshd rejects $STATE/sshd_config"
    "$SSHD" -t -f "$STATE/sshd_config.changed" || die "sshd rejects $STATE/sshd_config.changed"
}

# Starts a server in its own session (so stop can end it and its children as one process
# group) under timeout(1), so it ends by itself after LIFETIME seconds.
launch() {
    local name=$1
    shift
    setsid timeout --kill-after=10 "$LIFETIME" "$@" </dev/null >>"$STATE/$name.log" 2>&1 &
    echo $! >"$STATE/pids/$name.pgid"
}

start_servers() {
    mkdir -p "$STATE/pids"
    launch sshd "$SSHD" -D -f "$STATE/sshd_config" -E "$STATE/sshd.log"
    launch sshd-changed "$SSHD" -D -f "$STATE/sshd_config.changed" -E "$STATE/sshd-changed.log"
    launch dropbear chroot "$DBROOT" /usr/sbin/dropbear -F -E -s -m \
        -p "$HOST:$DROPBEAR_PORT" -r /etc/dropbear/dropbear_ed25519_host_key -P /run/dropbear.pid
    # A watchdog runs stop when the lifetime is over: timeout(1) ends the servers, but
    # commands still running inside the roots (the hang device's) belong to other sessions.
    setsid bash -c 'sleep "$1"; exec "$2" stop "$3"' fleet-watchdog "$((LIFETIME + 15))" \
        "$HERE/fleet.sh" "$STATE" </dev/null >/dev/null 2>&1 &
    echo $! >"$STATE/pids/watchdog.pgid"
}

# The key a server on PORT must present, as "type base64".
expected_key() {
    local port=$1
    if [ "$port" = "$CHANGED_PORT" ]; then
        awk '{ print $1, $2 }' "$STATE/ssh_host_changed_ed25519_key.pub"
    elif [ "$port" = "$DROPBEAR_PORT" ]; then
        cat "$STATE/dropbear_ed25519_host_key.pub"
    else
        awk '{ print $1, $2 }' "$STATE/ssh_host_ed25519_key.pub"
    fi
}

# Waits until every port presents the key we gave its server. A different key means another
# program owns the port: that is a failure, not a wait.
wait_ready() {
    local deadline=$((SECONDS + 20)) port want got pending
    pending=$ALL_PORTS
    while [ -n "$pending" ]; do
        local still=
        for port in $pending; do
            want=$(expected_key "$port")
            got=$(ssh-keyscan -T 2 -t ed25519 -p "$port" "$HOST" 2>/dev/null | awk '{ print $2, $3 }' | head -n1)
            if [ -z "$got" ]; then
                still="$still $port"
            elif [ "$got" != "$want" ]; then
                log "port $port answers with a key that is not ours: another program listens there"
                return 1
            fi
        done
        pending=$still
        [ -z "$pending" ] && return 0
        if [ $SECONDS -ge $deadline ]; then
            log "no SSH server answered on port(s)$pending within 20 s"
            return 1
        fi
        for f in "$STATE"/pids/*.pgid; do
            kill -0 "$(cat "$f")" 2>/dev/null || {
                log "$(basename "$f" .pgid) exited; its log follows"
                tail -n 20 "$STATE/$(basename "$f" .pgid).log" >&2 || true
                return 1
            }
        done
        sleep 0.2
    done
}

write_outputs() {
    local kind port key
    {
        echo "# Written by tests/fleet/fleet.sh start; shell-sourceable."
        echo "FLEET_STATE_DIR='$STATE'"
        echo "FLEET_HOST='$HOST'"
        echo "FLEET_USER='root'"
        echo "FLEET_KINDS='$KINDS'"
        for kind in $KINDS; do
            echo "PORT_$(var_of "$kind")=${PORT[$kind]}"
        done
        echo "CHANGED_PORT=$CHANGED_PORT"
        echo "DROPBEAR_PORT=$DROPBEAR_PORT"
        echo "DROPBEAR_DEVICE='$DROPBEAR_DEVICE'"
        echo "CHANGED_DEVICE='$CHANGED_DEVICE'"
        echo "CLOSED_PORT=$CLOSED_PORT"
        echo "KEY='$STATE/id_ed25519'"
        echo "OTHER_KEY='$STATE/id_other'"
        echo "KNOWN_HOSTS='$STATE/known_hosts'"
        echo "KNOWN_HOSTS_CHANGED='$STATE/known_hosts.changed'"
        echo "INVENTORY='$STATE/inventory.txt'"
        echo "HOST_KEY_PUB='$STATE/ssh_host_ed25519_key.pub'"
        echo "CHANGED_HOST_KEY_PUB='$STATE/ssh_host_changed_ed25519_key.pub'"
        echo "DROPBEAR_HOST_KEY_PUB='$STATE/dropbear_ed25519_host_key.pub'"
        echo "ROOTS_DIR='$ROOTS'"
        echo "FLEET_LIFETIME=$LIFETIME"
        echo "FLEET_STARTED_AT=$(date +%s)"
    } >"$STATE/fleet.env.tmp"
    {
        echo "# The bundled fleet: one host per device kind, plus the dropbear server."
        for kind in $KINDS; do
            echo "root@$HOST:${PORT[$kind]} name=$kind"
        done
        echo "root@$HOST:$DROPBEAR_PORT name=dropbear-$DROPBEAR_DEVICE"
    } >"$STATE/inventory.txt"
    : >"$STATE/known_hosts"
    for port in $ALL_PORTS; do
        echo "[$HOST]:$port $(expected_key "$port")" >>"$STATE/known_hosts"
    done
    key=$(awk '{ print $1, $2 }' "$STATE/ssh_host_ed25519_key.pub")
    echo "[$HOST]:$CHANGED_PORT $key" >"$STATE/known_hosts.changed"
    mv "$STATE/fleet.env.tmp" "$STATE/fleet.env"
}

# --- start and stop ----------------------------------------------------------------------------

prepare_state() {
    mkdir -p "$STATE"
    STATE=$(cd "$STATE" && pwd)
    if [ -n "$(ls -A "$STATE")" ] && [ ! -e "$STATE/$MARKER" ]; then
        die "$STATE is not empty and holds no fleet: refusing to use it"
    fi
    stop_fleet
    find "$STATE" -mindepth 1 -maxdepth 1 ! -name "$MARKER" -exec rm -rf {} +
    : >"$STATE/$MARKER"
}

start_fleet() {
    need_tools
    prepare_state
    # Whatever fails from here on, nothing half-started may stay behind.
    trap 'stop_fleet' EXIT
    ROOT_SHELL=$(getent passwd root | cut -d: -f7)
    ROOT_SHELL=${ROOT_SHELL:-/bin/sh}
    case "$ROOT_SHELL" in
    /bin/sh | /bin/busybox) die "root's login shell is $ROOT_SHELL; the device roots need that path for busybox (see docs/testing.md)" ;;
    esac
    KINDS=$(kinds | tr '\n' ' ')
    KINDS=${KINDS% }
    [ -n "$KINDS" ] || die "no device kinds in $DEVICES_DIR"
    ROOTS=$(roots_dir_for "$STATE")
    echo "$ROOTS" >"$STATE/roots.path"
    SHARED=$ROOTS/.shared
    mkdir -p "$SHARED"
    chmod 755 "$ROOTS"
    cp -f "$BUSYBOX" "$SHARED/busybox"
    make_keys
    for kind in $KINDS; do
        build_root "$kind" "$ROOTS/$kind"
    done
    DBROOT=$ROOTS/.dropbear
    build_dropbear_root "$DBROOT"

    local n attempt base i
    n=$(($(echo "$KINDS" | wc -w) + 3))
    for attempt in 1 2 3 4 5; do
        base=$(pick_ports "$n")
        declare -gA PORT=()
        i=0
        ALL_PORTS=
        for kind in $KINDS; do
            PORT[$kind]=$((base + i))
            ALL_PORTS="$ALL_PORTS $((base + i))"
            i=$((i + 1))
        done
        CHANGED_PORT=$((base + i))
        DROPBEAR_PORT=$((base + i + 1))
        CLOSED_PORT=$((base + i + 2))
        ALL_PORTS="$ALL_PORTS $CHANGED_PORT $DROPBEAR_PORT"
        write_sshd_configs
        start_servers
        if wait_ready; then
            write_outputs
            trap - EXIT
            log "up: $(echo "$KINDS" | wc -w) device kinds on ports $base-$((base + n - 2)), closed port $CLOSED_PORT, state in $STATE"
            return 0
        fi
        log "attempt $attempt failed; trying other ports"
        stop_servers
    done
    die "the fleet did not come up; see $STATE/*.log"
}

# Ends every process group start launched, then whatever still runs inside the roots.
stop_servers() {
    local f pgid me deadline alive
    [ -d "$STATE/pids" ] || return 0
    # Our own process group is the watchdog's when it runs stop: never end ourselves.
    me=$(sed 's/.*) //' /proc/$$/stat | cut -d' ' -f3)
    for f in "$STATE"/pids/*.pgid; do
        [ -e "$f" ] || continue
        pgid=$(cat "$f")
        if [ -n "$pgid" ] && [ "$pgid" != "$me" ]; then
            kill -TERM -- "-$pgid" 2>/dev/null || true
        fi
    done
    deadline=$((SECONDS + 5))
    while :; do
        alive=no
        for f in "$STATE"/pids/*.pgid; do
            [ -e "$f" ] || continue
            pgid=$(cat "$f")
            [ "$pgid" = "$me" ] && continue
            kill -0 -- "-$pgid" 2>/dev/null && alive=yes
        done
        [ "$alive" = no ] && break
        if [ $SECONDS -ge $deadline ]; then
            for f in "$STATE"/pids/*.pgid; do
                pgid=$(cat "$f")
                [ "$pgid" = "$me" ] || kill -KILL -- "-$pgid" 2>/dev/null || true
            done
            break
        fi
        sleep 0.1
    done
    rm -f "$STATE"/pids/*.pgid
}

# Commands left running inside a root (a probe blocked on the hang device's FIFO) are in
# sessions of their own. They are found by their root directory and ended by pid.
stop_chrooted() {
    local roots=$1 p r fifo
    local -a pids=()
    [ -n "$roots" ] && [ -d "$roots" ] || return 0
    # Opening each FIFO read-write wakes every reader blocked on it.
    while IFS= read -r fifo; do
        timeout 2 bash -c ': <>"$1"' _ "$fifo" 2>/dev/null || true
    done < <(find "$roots" -type p 2>/dev/null)
    for p in /proc/[0-9]*; do
        r=$(readlink "$p/root" 2>/dev/null) || continue
        case "$r" in
        "$roots"/*) pids+=("${p#/proc/}") ;;
        esac
    done
    [ ${#pids[@]} -gt 0 ] || return 0
    kill -TERM "${pids[@]}" 2>/dev/null || true
    sleep 0.5
    kill -KILL "${pids[@]}" 2>/dev/null || true
}

stop_fleet() {
    local roots=
    [ -d "$STATE" ] || return 0
    [ -f "$STATE/roots.path" ] && roots=$(cat "$STATE/roots.path")
    stop_servers
    stop_chrooted "$roots"
    # Roots placed under /run are ours to remove; those inside STATE stay for post-mortems.
    case "$roots" in
    /run/fleetscan-roots.*) rm -rf "$roots" ;;
    esac
    rm -f "$STATE/fleet.env"
}

[ $# -eq 2 ] || usage
STATE=$2
case "$1" in
start) start_fleet ;;
stop)
    [ -d "$STATE" ] || exit 0
    STATE=$(cd "$STATE" && pwd)
    stop_fleet
    ;;
*) usage ;;
esac
