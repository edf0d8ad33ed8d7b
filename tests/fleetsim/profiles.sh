#!/usr/bin/env bash
# profiles.sh: writes fleetsim's device profiles (samples/profiles/<kind>.txt).
#
#   profiles.sh capture FLEET_STATE_DIR FLEETSCAN [OUT_DIR]
#       runs the real probe (FLEETSCAN probe --print ...) over OpenSSH against every device
#       kind of a running tests/fleet/fleet.sh fleet and records what each device answered
#   profiles.sh derive [OUT_DIR]
#       writes the kinds no chroot device has (other OS versions and architectures of the
#       matrix, later and unsupported systems, a host without an engine) from the captured ones,
#       changing only the facts that make the kind (os-release, uname, dpkg architecture,
#       engine packages, Windows registry values)
#
# The header's expect-* lines are what fleetscan must report for the kind under the 2019-03
# matrix (docs/classification.md); tests/sim reads them. Format: docs/fleetsim.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

# kind|shell|os_family|os_id|arch_class|tier|engine_support|production_ready|description
CAPTURED='raspbian-stretch-armv7|posix|linux|raspbian|arm32v7|tier1|recommended|yes|Raspberry Pi 3 B, Raspbian 9 stretch, moby-engine 3.0.4
ubuntu-1804-amd64-moby|posix|linux|ubuntu|amd64|tier1|recommended|yes|Azure VM, Ubuntu 18.04.2 LTS, moby-engine 3.0.4
centos-75-amd64-dockerce|posix|linux|centos|amd64|tier2|best-effort|no|CentOS 7.5.1804 server with Docker CE
pi-zero-armv6|posix|linux|raspbian|arm32v6|unsupported|best-effort|no|Raspberry Pi Zero W (ARMv6), Raspbian 9, Docker CE
yocto-poky-amd64|posix|linux|poky|amd64|tier2|missing|no|Yocto poky 2.6.2 thud on x86-64, no container engine
debian-9-armv7|posix|linux|debian|arm32v7|tier2|best-effort|no|ARMv7 board, Debian 9, Docker CE
rhel-75-amd64|posix|linux|rhel|amd64|tier2|best-effort|no|RHEL 7.5 Maipo server, Docker EE
wrlinux-8-amd64|posix|linux|wrlinux|amd64|tier2|missing|no|Wind River Linux 8 gateway, no container engine
windows-cmd|cmd|windows|windows|amd64|tier1-preview|missing|no|Windows 10 IoT Enterprise LTSC 2019 (17763) over Win32-OpenSSH with cmd.exe, no engine
windows-powershell|powershell|windows|windows|amd64|tier1-preview|best-effort|no|Windows Server 2019 Datacenter (17763) over Win32-OpenSSH with PowerShell, Docker EE'

die() {
    echo "profiles: $*" >&2
    exit 1
}

# write_profile OUT KIND SHELL EXPECT... DESCRIPTION LOUT LERR LEXIT [WOUT WERR WEXIT]
write_profile() {
    local out=$1 kind=$2 shell=$3 fam=$4 id=$5 arch=$6 tier=$7 eng=$8 prod=$9 desc=${10}
    local lout=${11} lerr=${12} lexit=${13} wout=${14:-} werr=${15:-} wexit=${16:-0}
    {
        echo "# $desc"
        echo "kind: $kind"
        echo "shell: $shell"
        echo "linux-exit: $lexit"
        [ "$shell" = posix ] || echo "windows-exit: $wexit"
        echo "expect-os_family: $fam"
        echo "expect-os_id: $id"
        echo "expect-arch_class: $arch"
        echo "expect-tier: $tier"
        echo "expect-engine_support: $eng"
        echo "expect-production_ready: $prod"
        echo '%% linux stdout'
        cat "$lout"
        echo '%% linux stderr'
        cat "$lerr"
        if [ "$shell" != posix ]; then
            echo '%% windows stdout'
            cat "$wout"
            echo '%% windows stderr'
            cat "$werr"
        fi
    } >"$out/$kind.txt"
}

capture() {
    local state=$1 fleetscan=$2 out=${3:-$REPO/samples/profiles} tmp kind shell fam id arch
    local tier eng prod desc port var wcmd rc wrc
    [ -f "$state/fleet.env" ] || die "$state/fleet.env missing: run tests/fleet/fleet.sh start $state"
    # shellcheck disable=SC1091
    . "$state/fleet.env"
    tmp=$(mktemp -d)
    mkdir -p "$out"
    while IFS='|' read -r kind shell fam id arch tier eng prod desc; do
        var=PORT_$(printf '%s' "$kind" | tr 'a-z-' 'A-Z_')
        port=${!var:?no port for $kind in fleet.env}
        set -- -o BatchMode=yes -o UserKnownHostsFile="$KNOWN_HOSTS" -i "$KEY" -p "$port"
        rc=0
        timeout 30 ssh -n "$@" root@127.0.0.1 "$("$fleetscan" probe --print linux)" \
            >"$tmp/out" 2>"$tmp/err" || rc=$?
        wrc=0
        : >"$tmp/wout"
        : >"$tmp/werr"
        if [ "$shell" != posix ]; then
            [ "$shell" = cmd ] && wcmd=windows-cmd || wcmd=windows-powershell
            timeout 30 ssh -n "$@" root@127.0.0.1 "$("$fleetscan" probe --print $wcmd)" \
                >"$tmp/wout" 2>"$tmp/werr" || wrc=$?
        fi
        write_profile "$out" "$kind" "$shell" "$fam" "$id" "$arch" "$tier" "$eng" "$prod" \
            "$desc (captured from samples/devices/$kind)" "$tmp/out" "$tmp/err" "$rc" \
            "$tmp/wout" "$tmp/werr" "$wrc"
        echo "profiles: captured $kind"
    done <<<"$CAPTURED"
    rm -rf "$tmp"
}

# section FILE NAME: the text of a profile section.
section() {
    awk -v want="%% $2" '/^%% / { on = ($0 == want); next } on' "$1"
}

# derive_from BASE NEWKIND SHELL FAM ID ARCH TIER ENG PROD DESC SED_SCRIPT
derive_from() {
    local out=$1 base=$2 kind=$3 shell=$4 script=${13}
    local src=$out/$base.txt tmp lexit wexit
    [ -f "$src" ] || die "$src missing: run capture first"
    tmp=$(mktemp -d)
    section "$src" 'linux stdout' | sed -e "$script" >"$tmp/out"
    section "$src" 'linux stderr' >"$tmp/err"
    section "$src" 'windows stdout' | sed -e "$script" >"$tmp/wout"
    section "$src" 'windows stderr' >"$tmp/werr"
    lexit=$(sed -n 's/^linux-exit: //p' "$src")
    wexit=$(sed -n 's/^windows-exit: //p' "$src")
    write_profile "$out" "$kind" "$shell" "$5" "$6" "$7" "$8" "$9" "${10}" \
        "${11} (derived from $base: ${12})" "$tmp/out" "$tmp/err" "$lexit" "$tmp/wout" \
        "$tmp/werr" "${wexit:-0}"
    rm -rf "$tmp"
    echo "profiles: derived $kind"
}

derive() {
    local o=${1:-$REPO/samples/profiles}
    local U1604='s/18\.04\.2 LTS (Bionic Beaver)/16.04.6 LTS (Xenial Xerus)/; s/Ubuntu 18\.04\.2 LTS/Ubuntu 16.04.6 LTS/; s/VERSION_ID="18\.04"/VERSION_ID="16.04"/; s/bionic/xenial/g; s/buster\/sid/stretch\/sid/'
    # The first 20 bytes of /bin/sh as od prints them: ELF class (1: 32-bit, 2: 64-bit) and
    # e_machine (3: i386, 40: ARM, 62: x86-64, 183: AArch64).
    local E='elf= 127  69  76  70'
    local Z='   1   0   0   0   0   0   0   0   0   0    3   0'
    local ELF32ARM="s/^elf=.*/$E   1   1$Z  40   0 /"
    local ELF64ARM="s/^elf=.*/$E   2   1$Z 183   0 /"
    local ELF32X86="s/^elf=.*/$E   1   1$Z   3   0 /"
    local ARMHF="s/machine=x86_64/machine=armv7l/; s/dpkg_arch=amd64/dpkg_arch=armhf/; s/long_bit=64/long_bit=32/; s/\"Arch\":\"amd64\"/\"Arch\":\"arm\"/g; $ELF32ARM"
    local ARM64="s/machine=x86_64/machine=aarch64/; s/dpkg_arch=amd64/dpkg_arch=arm64/; s/\"Arch\":\"amd64\"/\"Arch\":\"arm64\"/g; $ELF64ARM"
    local I386="s/machine=armv7l/machine=i686/; s/dpkg_arch=armhf/dpkg_arch=i386/; s/\"Arch\":\"arm\"/\"Arch\":\"386\"/g; $ELF32X86"
    local NOENGINE='/^@@section engine$/,/^@@end$/{/^dpkg	/d;/^cmd=/d}; /^@@section docker-version$/,/^@@end$/{/^{/d}'

    derive_from "$o" ubuntu-1804-amd64-moby ubuntu-1604-amd64-moby posix linux ubuntu amd64 \
        tier1 recommended yes 'Ubuntu Server 16.04.6 LTS with moby-engine' 'os-release' "$U1604"
    derive_from "$o" ubuntu-1804-amd64-moby ubuntu-1804-armv7-moby posix linux ubuntu arm32v7 \
        tier2 recommended no 'Ubuntu 18.04 on an ARMv7 board with moby-engine' \
        'architecture' "$ARMHF"
    derive_from "$o" ubuntu-1804-amd64-moby ubuntu-1804-amd64-noengine posix linux ubuntu amd64 \
        tier1 missing no 'Ubuntu 18.04 with no container engine installed' \
        'engine packages and docker removed' "$NOENGINE"
    derive_from "$o" ubuntu-1804-amd64-moby ubuntu-1804-arm64-moby posix linux ubuntu arm64 \
        unsupported recommended no 'Ubuntu 18.04 on ARM64: no ARM64 column before the 2019-08 matrix' \
        'architecture' "$ARM64"
    derive_from "$o" ubuntu-1804-amd64-moby ubuntu-2004-amd64-moby posix linux ubuntu amd64 \
        unsupported recommended no 'Ubuntu 20.04 (later than the 2019-03 matrix)' 'os-release' \
        's/18\.04\.2 LTS (Bionic Beaver)/20.04.6 LTS (Focal Fossa)/; s/Ubuntu 18\.04\.2 LTS/Ubuntu 20.04.6 LTS/; s/VERSION_ID="18\.04"/VERSION_ID="20.04"/; s/bionic/focal/g; s/buster\/sid/bullseye\/sid/'
    derive_from "$o" debian-9-armv7 debian-8-armv7 posix linux debian arm32v7 tier2 \
        best-effort no 'Debian 8 jessie on an ARMv7 board, Docker CE' 'os-release' \
        's/Debian GNU\/Linux 9 (stretch)/Debian GNU\/Linux 8 (jessie)/; s/VERSION_ID="9"/VERSION_ID="8"/; s/VERSION="9 (stretch)"/VERSION="8 (jessie)"/; /VERSION_CODENAME=/d; s/^9\.[0-9]*$/8.11/'
    derive_from "$o" debian-9-armv7 debian-9-i686 posix linux debian x86 unsupported \
        best-effort no 'Debian 9 on a 32-bit x86 PC' 'architecture' "$I386"
    derive_from "$o" raspbian-stretch-armv7 raspbian-buster-armv7 posix linux raspbian arm32v7 \
        unsupported recommended no 'Raspbian 10 buster (tier 2 only from the 2019-08 matrix)' \
        'os-release' 's/Raspbian GNU\/Linux 9 (stretch)/Raspbian GNU\/Linux 10 (buster)/; s/VERSION_ID="9"/VERSION_ID="10"/; s/VERSION="9 (stretch)"/VERSION="10 (buster)"/; s/stretch/buster/g; s/^9\.8$/10.13/'
    derive_from "$o" centos-75-amd64-dockerce centos-75-armv7-dockerce posix linux centos \
        arm32v7 tier2 best-effort no 'CentOS 7.5 on an ARMv7 board, Docker CE' 'architecture' \
        "s/machine=x86_64/machine=armv7l/; s/long_bit=64/long_bit=32/; s/\"Arch\":\"amd64\"/\"Arch\":\"arm\"/g; s/\.x86_64/.armv7hl/g; $ELF32ARM"
    derive_from "$o" yocto-poky-amd64 mariner-2-amd64 posix linux mariner amd64 unsupported \
        missing no 'CBL-Mariner 2.0 (the VM of IoT Edge for Linux on Windows; a later system)' \
        'os-release' 's/^ID=.*/ID=mariner/; s/^NAME=.*/NAME="Common Base Linux Mariner"/; s/^VERSION_ID=.*/VERSION_ID="2.0"/; s/^VERSION=.*/VERSION="2.0.20231004"/; s/^PRETTY_NAME=.*/PRETTY_NAME="CBL-Mariner\/Linux"/'
    derive_from "$o" windows-cmd windows-iotcore-cmd cmd windows windows amd64 tier1-preview \
        missing no 'Windows 10 IoT Core 17763 (EditionID IoTUAP) with cmd.exe' 'registry' \
        's/EnterpriseS/IoTUAP/g; s/Windows 10 Enterprise LTSC 2019/IoTUAP/; s/InstallationType    REG_SZ    Client/InstallationType    REG_SZ    IoTUAP/'
    derive_from "$o" windows-cmd windows-10-1903-cmd cmd windows windows amd64 unsupported \
        missing no 'Windows 10 Enterprise 1903, build 18362: not the build 17763 the matrix names' \
        'registry and ver' 's/10\.0\.17763\.557/10.0.18362.30/g; s/17763/18362/g; s/EnterpriseS/Enterprise/g; s/Windows 10 Enterprise LTSC 2019/Windows 10 Enterprise/; s/1809/1903/'
}

case "${1:-}" in
capture)
    [ $# -ge 3 ] || die "usage: $0 capture FLEET_STATE_DIR FLEETSCAN [OUT_DIR]"
    capture "$2" "$3" "${4:-$REPO/samples/profiles}"
    ;;
derive) derive "${2:-$REPO/samples/profiles}" ;;
*) die "usage: $0 capture FLEET_STATE_DIR FLEETSCAN [OUT_DIR] | derive [OUT_DIR]" ;;
esac
