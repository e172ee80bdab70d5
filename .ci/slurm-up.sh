#!/usr/bin/env bash
# Start a throwaway single-node SLURM cluster (munge, slurmctld, slurmd) for the
# workflow's SLURM test, as root, without systemd and without an accounting database.
#
#   .ci/slurm-up.sh            # install the Debian packages if missing, start, wait until idle
#   FAKE_GPUS=0 .ci/slurm-up.sh  # no GPUs advertised (gpu requests are then rejected)
#
# The node advertises FAKE_GPUS (default 2) GPUs of type "fake" backed by character
# devices, so that jobs asking for --gpus=1 are really scheduled. Stop everything
# with .ci/slurm-down.sh (by the PIDs in the pidfiles this script configures).
set -euo pipefail

FAKE_GPUS=${FAKE_GPUS:-2}
CONF=/etc/slurm
SPOOL=/var/spool/liegg-slurm
LOGS=/var/log/slurm

if [ "$(id -u)" -ne 0 ]; then
  echo "slurm-up: must run as root (it installs packages and starts daemons)" >&2
  exit 1
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
   || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # In containers apt reports that policy-rc.d denied starting the services: expected.
  apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi
# A host with systemd may have started its own copies on install.
if [ -d /run/systemd/system ]; then
  systemctl stop slurmd slurmctld munge 2>/dev/null || true
fi
if [ -s /run/slurmctld.pid ] && kill -0 "$(cat /run/slurmctld.pid)" 2>/dev/null; then
  echo "slurm-up: slurmctld is already running (pid $(cat /run/slurmctld.pid)); run .ci/slurm-down.sh first" >&2
  exit 1
fi

# --- munge: the authentication daemon every SLURM command talks through ---
[ -s /etc/munge/munge.key ] || runuser -u munge -- /usr/sbin/mungekey --create
install -d -o munge -g munge -m 0755 /run/munge
runuser -u munge -- /usr/sbin/munged
munge -n | unmunge >/dev/null

# --- the node as slurmd sees it, minus some memory for the system ---
node=$(slurmd -C | head -n 1)
mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node")
node=$(sed "s/RealMemory=[0-9]*/RealMemory=$((mem > 1024 ? mem - 512 : mem))/" <<<"$node")

gres_types="" node_gres=""
rm -f "$CONF/gres.conf"
if [ "$FAKE_GPUS" -gt 0 ]; then
  # SLURM drops GPUs without a device file and refuses regular files: use
  # character devices with the numbers of /dev/null.
  mkdir -p "$SPOOL/gpus"
  for i in $(seq 0 $((FAKE_GPUS - 1))); do
    [ -c "$SPOOL/gpus/fake$i" ] || mknod -m 666 "$SPOOL/gpus/fake$i" c 1 3
  done
  gres_types="GresTypes=gpu"
  node_gres="Gres=gpu:fake:$FAKE_GPUS"
  echo "Name=gpu Type=fake File=$SPOOL/gpus/fake[0-$((FAKE_GPUS - 1))]" >"$CONF/gres.conf"
fi

# Fresh controller state each time: job ids start again at 1.
rm -rf "$SPOOL/ctld" "$SPOOL/d"
mkdir -p "$SPOOL/ctld" "$SPOOL/d" "$LOGS"
cat >"$CONF/slurm.conf" <<CONFEOF
# Written by .ci/slurm-up.sh: a one-node test cluster.
ClusterName=liegg-ci
SlurmctldHost=$(hostname -s)(127.0.0.1)
$gres_types
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$SPOOL/ctld
SlurmdSpoolDir=$SPOOL/d
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# A job without --mem would otherwise get the whole node and jobs would run one by one.
DefMemPerCPU=500
# No slurmdbd: sacct does not work, so the Snakemake profile polls with squeue ...
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
# ... which lists finished jobs only for MinJobAge seconds: keep it well above the
# executor plugin's longest polling gap (180 s).
MinJobAge=900
$node NodeAddr=127.0.0.1 $node_gres State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONFEOF

/usr/sbin/slurmctld
/usr/sbin/slurmd
for _ in $(seq 1 120); do
  [ "$(sinfo -h -N -o %T 2>/dev/null)" = idle ] && break
  sleep 0.5
done
if [ "$(sinfo -h -N -o %T 2>/dev/null)" != idle ]; then
  echo "slurm-up: the node did not become idle" >&2
  sinfo -N -l >&2 || true
  tail -n 30 "$LOGS/slurmctld.log" "$LOGS/slurmd.log" >&2 || true
  exit 1
fi
sinfo -N -o '%N %P %T cpus=%c mem=%m gres=%G'
