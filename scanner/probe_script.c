/*
 * probe_script: what fleetscan sends to a device. The Linux script is the whole probe for
 * POSIX hosts; the Windows command lines are the second round trip for hosts whose shell
 * answered the script with a cmd.exe or PowerShell error. docs/probe.md describes every
 * section and the facts parsed from it.
 */
#include "scanner/probe.h"

/*
 * One POSIX sh script for dash, bash and busybox ash. Every command is optional (`have`
 * checks it first), every file read is capped with `head -c`, and stderr is discarded so
 * that a missing tool prints nothing. The only command that may wait is `docker version`,
 * which asks the daemon: it runs under `timeout 5` where `timeout` exists (busybox before
 * 1.30 spells it `timeout -t 5`). Its stderr is kept because it says why the daemon did not
 * answer. The device tree model ends in a NUL, which `tr` removes. The kernel config is read
 * whole (capped at 1 MiB) but only the listed flags are kept.
 */
/* The flags of fs_rules_probe_kernel_flags (scanner/rules.c), as one grep alternation. */
#define KFLAGS                                                                                     \
    "NAMESPACES|NET_NS|PID_NS|IPC_NS|UTS_NS|CGROUPS|CGROUP_CPUACCT|CGROUP_DEVICE|"                 \
    "CGROUP_FREEZER|CGROUP_SCHED|CPUSETS|MEMCG|KEYS|VETH|BRIDGE|BRIDGE_NETFILTER|IP_NF_FILTER|"    \
    "IP_NF_TARGET_MASQUERADE|NETFILTER_XT_MATCH_ADDRTYPE|NETFILTER_XT_MATCH_CONNTRACK|"            \
    "NETFILTER_XT_MATCH_IPVS|NETFILTER_XT_MARK|IP_NF_NAT|NF_NAT|POSIX_MQUEUE|EXT4_FS_SECURITY"

static const char linux_script[] =
    "#!/bin/sh\n"
    "# fleetscan probe 1: read-only facts for the Azure IoT Edge support check.\n"
    "# POSIX sh (dash, bash, busybox ash); no root, no network; every command is optional.\n"
    "exec 2>/dev/null\n"
    "LC_ALL=C\n"
    "export LC_ALL\n"
    "PATH=\"${PATH:+$PATH:}/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\n"
    "export PATH\n"
    "have() { command -v \"$1\" >/dev/null; }\n"
    "begin() { echo \"@@section $1\"; }\n"
    "end() { echo '@@end'; }\n"
    "# show FILE [BYTES]: at most BYTES (default 16 KiB) of a readable file, then a newline.\n"
    "show() { [ -r \"$1\" ] && head -c \"${2:-16384}\" \"$1\" && echo; }\n"
    "echo '@@fleetscan-probe 1'\n"
    "for f in /etc/os-release /usr/lib/os-release; do\n"
    "  if [ -r \"$f\" ]; then begin os-release; show \"$f\"; end; break; fi\n"
    "done\n"
    "for f in centos-release redhat-release debian_version system-release; do\n"
    "  if [ -r \"/etc/$f\" ]; then begin \"$f\"; show \"/etc/$f\" 4096; end; fi\n"
    "done\n"
    "begin uname\n"
    "echo \"machine=$(uname -m)\"\n"
    "echo \"kernel=$(uname -r)\"\n"
    "echo \"os=$(uname -s)\"\n"
    "end\n"
    "begin arch\n"
    "have dpkg && echo \"dpkg_arch=$(dpkg --print-architecture)\"\n"
    "have getconf && echo \"long_bit=$(getconf LONG_BIT)\"\n"
    "have od && echo \"elf=$(od -An -tu1 -N20 /bin/sh | tr '\\n' ' ')\"\n"
    "end\n"
    "if [ -r /proc/cpuinfo ]; then\n"
    "  begin cpu\n"
    "  {\n"
    "    grep -E '^(model name|Processor|CPU (architecture|part)|Hardware|Model)[[:space:]]*:' \\\n"
    "      /proc/cpuinfo | sort -u\n"
    "    grep '^Features' /proc/cpuinfo | head -n 1\n"
    "  } | head -c 4096\n"
    "  echo\n"
    "  echo \"cpus=$(grep -c '^processor' /proc/cpuinfo)\"\n"
    "  end\n"
    "fi\n"
    "if [ -r /proc/device-tree/model ]; then\n"
    "  begin device-model; head -c 256 /proc/device-tree/model | tr -d '\\000'; echo; end\n"
    "fi\n"
    "begin engine\n"
    "# The package databases answer without access to the docker socket.\n"
    "if have dpkg-query && [ \"$(dpkg-query -W -f='${Package}' dpkg)\" = dpkg ]; then\n"
    "  echo db=dpkg\n"
    "  dpkg-query -W -f='dpkg\\t${Package}\\t${Status}\\t${Version}\\n' \\\n"
    "    moby-engine moby-cli docker-ce docker-ee docker.io podman containerd.io\n"
    "fi\n"
    "if have rpm && [ \"$(rpm -q --qf '%{NAME}' rpm)\" = rpm ]; then\n"
    "  echo db=rpm\n"
    "  rpm -q --qf 'rpm\\t%{NAME}\\t%{VERSION}-%{RELEASE}\\n' \\\n"
    "    moby-engine moby-cli docker-ce docker-ee docker podman containerd.io | grep '^rpm'\n"
    "fi\n"
    "for c in docker dockerd podman containerd iotedge iotedged; do\n"
    "  have \"$c\" && echo \"cmd=$(command -v \"$c\")\"\n"
    "done\n"
    "end\n"
    "if have docker; then\n"
    "  t=\n"
    "  if have timeout; then\n"
    "    if timeout 5 true; then t='timeout 5'; elif timeout -t 5 true; then t='timeout -t 5'; fi\n"
    "  fi\n"
    "  begin docker-version\n"
    "  $t docker version --format '{{json .}}' 2>&1 | head -c 16384; echo\n"
    "  end\n"
    "fi\n"
    "begin virt\n"
    "have systemd-detect-virt && echo \"detect_virt=$(systemd-detect-virt)\"\n"
    "for f in product_name sys_vendor; do\n"
    "  [ -r \"/sys/class/dmi/id/$f\" ] && echo \"$f=$(head -c 256 \"/sys/class/dmi/id/$f\")\"\n"
    "done\n"
    "end\n"
    "begin memory\n"
    "grep -E '^(MemTotal|MemAvailable):' /proc/meminfo\n"
    "end\n"
    "begin storage\n"
    "d=/var\n"
    "[ -d /var/lib/docker ] && d=/var/lib/docker\n"
    "for p in / \"$d\"; do echo \"$p $(df -Pk \"$p\" | tail -n 1)\"; done\n"
    "end\n"
    "begin init\n"
    "if [ -d /run/systemd/system ]; then echo systemd=yes; else echo systemd=no; fi\n"
    "echo \"pid1=$(head -c 64 /proc/1/comm)\"\n"
    "end\n"
    "# Kernel config flags IoT Edge's engine needs (Microsoft's compatibility check list).\n"
    "k=\"/boot/config-$(uname -r)\"\n"
    "c=\n"
    "if [ -r /proc/config.gz ] && have gzip; then c=/proc/config.gz\n"
    "elif [ -r \"$k\" ]; then c=$k; fi\n"
    "if [ -n \"$c\" ]; then\n"
    "  begin kernel-config\n"
    "  echo \"source=$c\"\n"
    "  case $c in *.gz) gzip -dc \"$c\" | head -c 1048576 ;; *) head -c 1048576 \"$c\" ;; esac |\n"
    "    grep -E '^CONFIG_(" KFLAGS ")=' | head -c 4096\n"
    "  end\n"
    "fi\n"
    "# A vendor Yocto build's image-buildinfo record (DISTRO, MACHINE, layer revisions).\n"
    "[ -r /etc/build ] && { begin etc-build; show /etc/build 4096; end; }\n"
    "begin cgroup\n"
    "[ -r /sys/fs/cgroup/cgroup.controllers ] &&\n"
    "  echo \"v2_controllers=$(head -c 1024 /sys/fs/cgroup/cgroup.controllers)\"\n"
    "show /proc/cgroups 4096\n"
    "end\n"
    "exit 0\n";

const char *fs_probe_linux_script(void)
{
    return linux_script;
}

/*
 * The Windows probe: cmd built-ins and small executables that start instantly (PowerShell
 * itself takes seconds to start, so it is never launched). Each part is preceded by an
 * "@@section NAME" line so that fs_probe_parse_windows() knows what it reads; lines of `ver`
 * and `reg query` are also recognised without them.
 *
 * cmd.exe: `&` runs the next command whatever the previous one returned. The line starts with
 * `echo`, not with a quote, so that `cmd /c` leaves the double-quoted registry paths alone.
 * docker's stderr is folded into stdout to keep its reason for not answering.
 */
static const char windows_cmd[] =
    "echo @@fleetscan-windows 1"
    " & echo @@section ver & ver"
    " & echo @@section reg"
    " & reg query \"HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\""
    " & reg query \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment\""
    " /v PROCESSOR_ARCHITECTURE"
    " & reg query \"HKLM\\HARDWARE\\DESCRIPTION\\System\\BIOS\""
    " & echo @@section sc-iotedge-moby & sc.exe query iotedge-moby"
    " & echo @@section sc-docker & sc.exe query docker"
    " & echo @@section docker-version & docker version 2>&1"
    " & echo @@section docker-info & docker info 2>&1"
    " & echo @@end";

/*
 * PowerShell: `&` is the call operator there, not a separator, so statements are joined with
 * `;`. A bare single-quoted string prints itself. `ver` is a cmd built-in, so it runs through
 * `cmd /c`, and so do the docker commands, to get the same text (and stderr) as under cmd.exe.
 * `sc` is PowerShell's alias of Set-Content, hence `sc.exe`. Registry paths are in single
 * quotes, which PowerShell does not expand and Win32-OpenSSH passes through unchanged.
 */
static const char windows_powershell[] =
    "'@@fleetscan-windows 1'"
    "; '@@section ver'; cmd /c ver"
    "; '@@section reg'"
    "; reg query 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'"
    "; reg query 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment'"
    " /v PROCESSOR_ARCHITECTURE"
    "; reg query 'HKLM\\HARDWARE\\DESCRIPTION\\System\\BIOS'"
    "; '@@section sc-iotedge-moby'; sc.exe query iotedge-moby"
    "; '@@section sc-docker'; sc.exe query docker"
    "; '@@section docker-version'; cmd /c 'docker version 2>&1'"
    "; '@@section docker-info'; cmd /c 'docker info 2>&1'"
    "; '@@end'";

const char *fs_probe_windows_command(enum fs_windows_shell shell)
{
    return shell == FS_WINSHELL_POWERSHELL ? windows_powershell : windows_cmd;
}
