#!/usr/bin/env bash
# cluster.sh — a one-node SLURM cluster on localhost for the sweep tests (issue 13).
#
#   bash tests/slurm/cluster.sh start    munge key (if none), munged, slurm.conf, slurmctld,
#                                        slurmd; waits until `sinfo` shows the node idle
#   bash tests/slurm/cluster.sh stop     stops the daemons this script started
#   bash tests/slurm/cluster.sh status   exit 0 when the node answers idle/mixed/allocated
#
# What it does: runs as root (CI, a test container) with Debian's slurm-wlm and munge; one
# node "localhost" with all CPUs, partition "debug" (default), no cgroups
# (proctrack/linuxproc, task/none), SlurmUser = SlurmdUser = root, state and logs under
# $SF_SLURM_DIR (default /tmp/symflow-slurm). The configuration goes to $SLURM_CONF
# (default /etc/slurm/slurm.conf, the clients' default); a file already there that this
# script did not write (first line "# symflow test cluster") is never replaced.
# What it does not do: accounting (no slurmdbd; sacct is not available), multi-node setups,
# or anything without root. On failure it prints the daemons' logs and exits 1.
set -euo pipefail
DIR=${SF_SLURM_DIR:-/tmp/symflow-slurm}
CONF=${SLURM_CONF:-/etc/slurm/slurm.conf}
MARK="# symflow test cluster"

die() { echo "cluster.sh: $*" >&2; exit 1; }
logs() {
    for f in "$DIR"/log/*.log /var/log/munge/munged.log; do
        [ -f "$f" ] && { echo "---- $f (last 30 lines)" >&2; tail -n 30 "$f" >&2; }
    done
    return 0
}
node_state() { sinfo -h -N -n localhost -o %T 2>/dev/null | head -n 1; }

start() {
    [ "$(id -u)" = 0 ] || die "needs root (daemons run as root, config in $CONF)"
    for c in munged slurmctld slurmd sinfo; do
        command -v "$c" >/dev/null || die "$c not found: apt-get install slurm-wlm munge"
    done
    if [ -f "$CONF" ] && [ "$(head -n 1 "$CONF" | cut -c1-${#MARK})" != "$MARK" ]; then
        die "$CONF exists and was not written by this script: not replacing it"
    fi
    mkdir -p "$DIR"/log "$DIR"/ctld "$DIR"/d "$(dirname "$CONF")"
    # munge: a key if none, the daemon if not running (as root: --force)
    if [ ! -s /etc/munge/munge.key ]; then
        mkdir -p /etc/munge
        if command -v mungekey >/dev/null; then mungekey --create --force --keyfile=/etc/munge/munge.key
        else dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none; fi
    fi
    chown root:root /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    chown root:root /run/munge /var/lib/munge /var/log/munge /etc/munge
    chmod 0755 /run/munge
    if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        munged --force --key-file=/etc/munge/munge.key --log-file="$DIR/log/munged.log" \
               --pid-file="$DIR/munged.pid" --socket=/run/munge/munge.socket.2 \
            || { logs; die "munged did not start"; }
        for _ in $(seq 1 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
        munge -n | unmunge >/dev/null 2>&1 || { logs; die "munge does not answer"; }
    fi
    local cpus mem
    cpus=$(nproc)
    mem=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) / 2 ))
    cat >"$CONF" <<CONF
$MARK (tests/slurm/cluster.sh): one node on localhost, no cgroups, root daemons
ClusterName=symflow
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/d
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MaxArraySize=100001
MaxJobCount=200000
NodeName=localhost NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
    if ! pgrep -F "$DIR/slurmctld.pid" slurmctld >/dev/null 2>&1; then
        slurmctld -c -f "$CONF" || { logs; die "slurmctld did not start"; }
    fi
    if ! pgrep -F "$DIR/slurmd.pid" slurmd >/dev/null 2>&1; then
        slurmd -N localhost -f "$CONF" || { logs; die "slurmd did not start"; }
    fi
    local st=
    for _ in $(seq 1 120); do
        st=$(node_state)
        case "$st" in idle*|mixed*|allocated*) echo "cluster.sh: node localhost $st ($cpus CPUs)"; return 0 ;; esac
        case "$st" in down*|drain*) scontrol update nodename=localhost state=resume >/dev/null 2>&1 || true ;; esac
        sleep 0.5
    done
    logs
    die "node localhost not idle after 60 s (sinfo state: '${st:-no answer}')"
}

stop() {
    local f pid
    for f in slurmd slurmctld munged; do
        [ -f "$DIR/$f.pid" ] || continue
        pid=$(cat "$DIR/$f.pid")
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
        rm -f "$DIR/$f.pid"
    done
    echo "cluster.sh: stopped"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) case "$(node_state)" in idle*|mixed*|allocated*) exit 0 ;; *) exit 1 ;; esac ;;
    *) die "usage: cluster.sh start|stop|status" ;;
esac
