#!/usr/bin/env bash
# sweep_slurm.sh — `symflow sweep --engine slurm` on a real SLURM cluster (issue 13).
#
# Submits a 4-point sweep of tiny.yaml (d_H × grid.cells) as an sbatch array of 2 tasks of
# 2 points (--chunk 2), with the dependent merge job; polls squeue until both jobs have
# left the queue (≤ 300 s); checks that each task wrote its slurm-*.out, that the merge
# job wrote the sweep file, that `symflow sweep merge DIR` writes the same, and that both
# equal the local engine's run of the same sweep bit for bit (every variable but
# wall_seconds).
# No cluster (no sbatch/sinfo, or no node idle/mixed/allocated in `sinfo`): prints a SKIP
# line saying why and exits 77 (ctest SKIP_RETURN_CODE), unless SYMFLOW_REQUIRE_SLURM=1
# (.ci/run sets it after starting tests/slurm/cluster.sh), where that is a failure.
# Never uses a fake sbatch.
# Usage: bash sweep_slurm.sh SYMFLOW REPO_ROOT PYTHON. Prints "N passed, N failed".
set -u
SYMFLOW=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$2" && pwd)
PYTHON=${3:-/usr/bin/python3}
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

why=
if ! command -v sbatch >/dev/null || ! command -v sinfo >/dev/null || ! command -v squeue >/dev/null; then
    why="the SLURM client commands (sbatch, sinfo, squeue) are not installed"
else
    states=$(timeout 20 sinfo -h -o %T 2>&1) || why="sinfo cannot reach a controller: $(echo "$states" | head -n 1)"
    if [ -z "$why" ] && ! echo "$states" | grep -qE '^(idle|mixed|allocated)'; then
        why="no usable node (sinfo states: $(echo "$states" | tr '\n' ' '))"
    fi
fi
if [ -n "$why" ]; then
    if [ "${SYMFLOW_REQUIRE_SLURM:-0}" = 1 ]; then
        echo "FAIL: no SLURM cluster but SYMFLOW_REQUIRE_SLURM=1: $why (start one with: bash tests/slurm/cluster.sh start)" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
    echo "SKIP: no SLURM cluster: $why (bash tests/slurm/cluster.sh start makes one on localhost)"
    exit 77
fi

# The jobs run on the cluster's nodes: the work directory must be where they can write it
# (on the one-node localhost cluster, any local folder).
WORK=$(mktemp -d "${TMPDIR:-/tmp}/symflow_sweep_slurm.XXXXXX") || exit 1
chmod 755 "$WORK"
jobs=
trap '[ -n "$jobs" ] && scancel $jobs 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
args=(sweep "$ROOT/cases/tiny.yaml" --vary problem.d_H=2,3 --vary grid.cells=16,24 --set time.end=1)

"$SYMFLOW" "${args[@]}" -o local.nc >/dev/null 2>err.txt && pass || fail "local sweep: $(cat err.txt)"
"$SYMFLOW" "${args[@]}" --engine slurm --chunk 2 -o slurm.nc >out.txt 2>err.txt
rc=$?
[ $rc -eq 0 ] && pass || fail "slurm submission: exit $rc: $(cat err.txt)"
cat out.txt
jobs=$(sed -n 's/.*job \([0-9]*\); merge job \([0-9]*\).*/\1 \2/p' out.txt)
[ "$(echo $jobs | wc -w)" -eq 2 ] && pass || fail "no job ids in: $(cat out.txt)"
grep -q "in 2 array tasks of 2" out.txt && pass || fail "expected 2 array tasks of 2 points: $(cat out.txt)"
if [ -n "$jobs" ]; then
    for _ in $(seq 1 600); do  # both jobs out of the queue (≤ 300 s)
        [ -z "$(squeue -h -j "$(echo $jobs | tr ' ' ,)" 2>/dev/null)" ] && break
        sleep 0.5
    done
    left=$(squeue -h -j "$(echo $jobs | tr ' ' ,)" 2>/dev/null)
    [ -z "$left" ] && pass || fail "jobs still queued after 300 s: $left"
    jobs=
fi
[ "$(ls slurm.nc.d/slurm-*_*.out 2>/dev/null | wc -l)" -eq 2 ] && pass \
    || fail "expected 2 array task logs: $(ls slurm.nc.d)"
[ -s slurm.nc ] && pass || fail "the merge job wrote no slurm.nc: $(cat slurm.nc.d/slurm-merge-*.out 2>/dev/null)"
"$SYMFLOW" sweep merge slurm.nc.d -o merged.nc >/dev/null 2>err.txt && pass || fail "sweep merge: $(cat err.txt)"
for f in slurm.nc merged.nc; do
    PYTHONPATH="$ROOT/postproc" "$PYTHON" - local.nc "$f" <<'PY' && pass || fail "$f differs from the local run"
import sys, numpy as np, xarray as xr
a, b = (xr.open_dataset(p, decode_times=False) for p in sys.argv[1:3])
bad = [n for n in set(a.variables) | set(b.variables) if n != "wall_seconds" and (
    n not in a.variables or n not in b.variables or a[n].dims != b[n].dims or
    not np.array_equal(a[n].values, b[n].values, equal_nan=a[n].dtype.kind == "f"))]
ok = not bad and (b["status"].values == 0).all() and b["risk"].dims == ("d_H", "cells", "time")
print("differ:", bad, b["status"].values) if not ok else None
sys.exit(0 if ok else 1)
PY
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
