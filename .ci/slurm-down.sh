#!/usr/bin/env bash
# Stop the daemons .ci/slurm-up.sh started, by the PIDs in their pidfiles
# (slurmd, then slurmctld, then munged). Safe to run when nothing is running.
for pidfile in /run/slurmd.pid /run/slurmctld.pid /run/munge/munged.pid; do
  [ -s "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || { rm -f "$pidfile"; continue; }
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "slurm-down: pid $pid ($pidfile) ignored SIGTERM; sending SIGKILL" >&2
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
done
exit 0
