#!/bin/sh
# fleetscan as a Slurm job array: task K of the array scans shard K of N of the inventory.
# See docs/sharding.md.
#
#   jid=$(sbatch --parsable --array=1-4 samples/slurm/fleetscan-array.sh hosts.txt /shared/reports)
#   sbatch --dependency=afterany:$jid --wrap \
#       'fleetscan merge /shared/reports/shard-*/fleetscan.json -o /shared/reports/merged'
#
# The array's range decides N: --array=1-4 gives four shards. REPORTS must be on a file system
# every node sees. SSH settings come from the environment so the key stays out of argv listings
# of the script: FLEETSCAN_KEY (default ~/.ssh/id_ed25519), FLEETSCAN_KNOWN_HOSTS (default
# ~/.ssh/known_hosts), FLEETSCAN_USER (default: the inventory's, else the job's user).
#
#SBATCH --job-name=fleetscan
#SBATCH --cpus-per-task=1
#SBATCH --mem=256M
#SBATCH --time=00:30:00
#SBATCH --output=fleetscan-%A_%a.log

set -u

if [ $# -ne 2 ]; then
    echo "usage: sbatch --array=1-N $0 INVENTORY REPORTS_DIR" >&2
    exit 2
fi
inventory=$1
reports=$2

if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
    echo "$0: not running as a Slurm array task (submit it with sbatch --array=1-N)" >&2
    exit 2
fi
# SLURM_ARRAY_TASK_COUNT exists since Slurm 18.08; older versions only give the maximum,
# which is the count when the array starts at 1.
count=${SLURM_ARRAY_TASK_COUNT:-${SLURM_ARRAY_TASK_MAX:-}}
if [ -z "$count" ] || [ "${SLURM_ARRAY_TASK_MIN:-1}" != 1 ]; then
    echo "$0: use an array that starts at 1 (--array=1-N)" >&2
    exit 2
fi
k=$SLURM_ARRAY_TASK_ID

set -- scan --shard "$k/$count" -q -o "$reports/shard-$k" \
    -i "${FLEETSCAN_KEY:-$HOME/.ssh/id_ed25519}" \
    --known-hosts "${FLEETSCAN_KNOWN_HOSTS:-$HOME/.ssh/known_hosts}" --host-key-check strict
if [ -n "${FLEETSCAN_USER:-}" ]; then
    set -- "$@" -l "$FLEETSCAN_USER"
fi

fleetscan "$@" "$inventory"
rc=$?
# 1 means the scan finished and some host is not ok: the task did its job. 2 and 3 are failures.
if [ "$rc" -eq 1 ]; then
    rc=0
fi
exit "$rc"
