#!/usr/bin/env bash
# sweep.sh — `symflow sweep` (issue 13): many runs of one case as one dataset.
#
# 1. A two-key product (d_H × grid.cells on tiny.yaml) with one impossible value
#    (grid.cells = 4 < 8): the merged file opens with xarray.open_dataset, has the dims d_H
#    and cells with coordinate values as given, the failed points marked (status 1, exit
#    code 4, the message naming grid.cells, series NaN), the other points' series equal bit
#    for bit to a plain `symflow solve` of the same overrides, the derived quantities
#    consistent with the series (R at the escape time t_f is f·R(0) by linear interpolation
#    between outputs, the fastest descent at the largest dissipation, final masses = last
#    outputs).
#    --seeds a:b runs `symflow particles` per seed (a dimension seed): the masses per sign
#    and the risk of seed 2 equal those of `symflow particles --seed 2` bit for bit.
# 2. Resume: a sweep killed by SIGTERM once two of its points have finished exits 143; the
#    rerun starts no finished point again (sweep.log has one "start" per point; the finished
#    points' files keep their inode and mtime) and its merged file equals an uninterrupted
#    run bit for bit (every variable but wall_seconds).
# 3. --engine print: one command per point; running them and `sweep merge` gives the same
#    file as the local engine.
# 4. The d_H sweep of the paper (cases/paper-dh-sweep.yaml, d_H ∈ {2, …, 35}, on a coarse
#    64-cell grid to stay quick): the 10 points run, |tau_plus|(10) increases with d_H and
#    |tau_minus|(10) decreases (the published masses do; README has the full-grid figures).
# 5. `symflow plot SWEEP --y escape_time` writes sweep_escape_time.png (--y a,b: both, one
#    figure); an unknown --y, a
#    --vary without '=', an existing work directory of another sweep: exit 2, one line; a
#    sweep whose every point fails writes its file and exits with the points' status (4).
# Usage: bash sweep.sh SYMFLOW REPO_ROOT PYTHON. Prints "N passed, N failed".
set -u
SYMFLOW=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$2" && pwd)
PYTHON=${3:-/usr/bin/python3}
export PYTHONPATH="$ROOT/postproc:$ROOT/python${PYTHONPATH:+:$PYTHONPATH}"
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/symflow_sweep.XXXXXX") || exit 1
pid=
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
TINY=$ROOT/cases/tiny.yaml

# Compare two sweep files: every variable but wall_seconds equal bit for bit (NaN = NaN).
same_sweep() {
    "$PYTHON" - "$1" "$2" <<'PY'
import sys, numpy as np, xarray as xr
a, b = (xr.open_dataset(p, decode_times=False) for p in sys.argv[1:3])
bad = [n for n in set(a.variables) | set(b.variables) if n != "wall_seconds" and (
    n not in a.variables or n not in b.variables or a[n].dims != b[n].dims or
    not np.array_equal(a[n].values, b[n].values,
                       equal_nan=a[n].dtype.kind == "f"))]
print("differ:", bad) if bad else None
sys.exit(1 if bad else 0)
PY
}

echo "[$SECONDS s] 1. two keys, one impossible value"
# ---- 1. two keys, one impossible value ----
"$SYMFLOW" sweep "$TINY" --vary problem.d_H=2,3 --vary grid.cells=4,24 --set time.end=1 \
    --escape 0.9,0.5,1e-9 -j 2 -o two.nc >out.txt 2>err.txt
rc=$?
[ $rc -eq 0 ] && pass || fail "two-key sweep: exit $rc: $(cat err.txt)"
"$SYMFLOW" solve "$TINY" --set time.end=1 --set problem.d_H=3 --set grid.cells=24 -o direct.nc \
    --quiet && pass || fail "direct solve"
"$PYTHON" - two.nc direct.nc <<'PY' && pass || fail "two-key sweep file"
import sys, numpy as np, xarray as xr
ds = xr.open_dataset(sys.argv[1], decode_times=False)
d = xr.open_dataset(sys.argv[2], decode_times=False)
fails = []
def check(ok, what):
    if not ok:
        fails.append(what)
check(ds.attrs.get("symflow_kind") == "sweep", "symflow_kind")
check(ds["status"].dims == ("d_H", "cells"), "status dims %s" % (ds["status"].dims,))
check(list(ds["d_H"].values) == [2, 3] and list(ds["cells"].values) == [4, 24], "coordinates")
check(ds["d_H"].attrs.get("case_key") == "problem.d_H", "case_key")
check(ds["risk"].dims == ("d_H", "cells", "time"), "risk dims")
st = ds["status"].values
check((st[:, 0] == 1).all() and (st[:, 1] == 0).all(), "status %s" % st)
check((ds["exit_code"].values[:, 0] == 4).all(), "exit codes %s" % ds["exit_code"].values)
msg = str(ds["message"].values[0, 0])
check("grid.cells" in msg and "8" in msg, "message %r" % msg)
check(np.isnan(ds["risk"].values[:, 0]).all(), "failed points' series not NaN")
check("--vary problem.d_H=2,3" in ds.attrs["sweep_command"], "sweep_command")
check("target: norm" in ds.attrs["case_text"], "case_text")
# the point (d_H = 3, cells = 24) is the plain solve, bit for bit
for n in ("risk", "mass_plus", "mass_minus", "alignment", "dissipation"):
    check(np.array_equal(ds[n].values[1, 1], d[n].values), "%s differs from solve" % n)
check(np.array_equal(ds["time"].values, d["time"].values), "time")
# derived quantities against the series
t, R = ds["time"].values, ds["risk"].values[1, 1]
for j, f in enumerate(ds["escape_fraction"].values):
    te = ds["escape_time"].values[1, 1, j]
    if f == 1e-9:
        check(np.isnan(te), "escape at 1e-9 R(0) should be NaN (never): %r" % te)
        continue
    i = int(np.argmax(R <= f * R[0]))
    # linear interpolation between outputs i-1, i: R there is f R(0) up to rounding
    Ri = np.interp(te, t[i - 1:i + 1], R[i - 1:i + 1])
    check(t[i - 1] <= te <= t[i] and abs(Ri - f * R[0]) <= 1e-12 * R[0],
          "escape time %r for f = %g" % (te, f))
i = int(np.argmax(ds["dissipation"].values[1, 1]))
check(ds["fastest_descent_time"].values[1, 1] == t[i], "fastest descent time")
check(ds["mass_plus_final"].values[1, 1] == d["mass_plus"].values[-1], "mass_plus_final")
check(ds["alignment_final"].values[1, 1] == d["alignment"].values[-1], "alignment_final")
check(np.isfinite(ds["wall_seconds"].values).all(), "wall_seconds")
print("\n".join("  " + f for f in fails))
sys.exit(1 if fails else 0)
PY
grep -q "4 points (2 ok, 2 failed)" out.txt && pass || fail "summary line: $(cat out.txt)"

# seeds: `symflow particles` per seed, masses per sign from the particle file
pargs=(--set particles.m=32 --set particles.method=euler --set time.end=0.5)
"$SYMFLOW" sweep "$TINY" --seeds 1:2 "${pargs[@]}" -o seeds.nc >/dev/null 2>err.txt \
    && pass || fail "seed sweep: $(cat err.txt)"
"$SYMFLOW" particles "$TINY" --seed 2 "${pargs[@]}" -o p2.nc --quiet && pass || fail "particles --seed 2"
# (sanitizer builds: reading a particle file loads libsymflow, ASan's runtime must come first)
env ${SF_PYTHON_PRELOAD:+LD_PRELOAD=$SF_PYTHON_PRELOAD ASAN_OPTIONS=detect_leaks=0} \
    "$PYTHON" - seeds.nc p2.nc <<'PY' && pass || fail "seed sweep file"
import sys, numpy as np, xarray as xr
from symflow_post import analysis, io
ds = xr.open_dataset(sys.argv[1], decode_times=False)
p = io.read_particles(sys.argv[2])
plus, minus = analysis.particle_masses(analysis.particle_cloud(p, "theta"))
ok = (ds["status"].dims == ("seed",) and list(ds["seed"].values) == [1, 2]
      and ds.attrs["point_command"] == "particles" and (ds["status"].values == 0).all()
      and np.array_equal(ds["mass_plus"].values[1], plus)
      and np.array_equal(ds["risk"].values[1], p.risk)
      and not np.array_equal(ds["risk"].values[0], ds["risk"].values[1]))
print(ds) if not ok else None
sys.exit(0 if ok else 1)
PY

echo "[$SECONDS s] 2. SIGTERM mid-way, then resume"
# ---- 2. SIGTERM mid-way, then resume ----
resume_args=(sweep "$TINY" --vary grid.cells=100:350:6 --set time.end=5 --set time.outputs=5 -j 2)
mkdir -p kill && cd kill || exit 1
"$SYMFLOW" "${resume_args[@]}" -o k.nc >out.txt 2>err.txt &
pid=$!
for _ in $(seq 1 1200); do  # until two points have finished (≤ 120 s)
    [ "$(ls k.nc.d/points/*.json 2>/dev/null | wc -l)" -ge 2 ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ $rc -eq 143 ] && pass || fail "killed sweep: exit $rc, expected 143: $(cat err.txt)"
grep -q "interrupted by SIGTERM" err.txt && pass || fail "killed sweep: stderr $(cat err.txt)"
[ ! -e k.nc ] && pass || fail "killed sweep wrote k.nc"
finished=$(cd k.nc.d/points && ls *.json | sed 's/\.json$//')
n_fin=$(echo "$finished" | wc -w)
[ "$n_fin" -ge 2 ] && [ "$n_fin" -lt 6 ] && pass || fail "killed sweep: $n_fin points finished, expected 2 … 5"
before=$(for p in $finished; do stat -c '%n %i %Y.%y' k.nc.d/points/$p.nc k.nc.d/points/$p.json; done)
"$SYMFLOW" "${resume_args[@]}" -o k.nc >out2.txt 2>err2.txt && pass || fail "resumed sweep: $(cat err2.txt)"
after=$(for p in $finished; do stat -c '%n %i %Y.%y' k.nc.d/points/$p.nc k.nc.d/points/$p.json; done)
[ "$before" = "$after" ] && pass || fail "finished points rewritten: $before // $after"
for p in $finished; do
    i=$((10#${p#p}))
    n=$(grep -c "start $i:" k.nc.d/sweep.log)
    [ "$n" -eq 1 ] && pass || fail "point $i started $n times (sweep.log)"
done
[ "$(grep -c 'start ' k.nc.d/sweep.log)" -le $((6 + 2)) ] && pass \
    || fail "more starts than points + the two interrupted: $(cat k.nc.d/sweep.log)"
cd "$WORK" || exit 1
"$SYMFLOW" "${resume_args[@]}" -o whole.nc >/dev/null 2>err.txt && pass || fail "uninterrupted sweep: $(cat err.txt)"
same_sweep kill/k.nc whole.nc && pass || fail "resumed sweep differs from an uninterrupted one"

echo "[$SECONDS s] 3. --engine print, then merge"
# ---- 3. --engine print, then merge ----
"$SYMFLOW" sweep "$TINY" --vary problem.d_H=2,3 --vary grid.cells=4,24 --set time.end=1 \
    --escape 0.9,0.5,1e-9 --engine print -o printed.nc >jobs.txt 2>err.txt
rc=$?
[ $rc -eq 0 ] && [ "$(wc -l <jobs.txt)" -eq 4 ] && pass || fail "print engine: exit $rc, $(wc -l <jobs.txt) lines"
grep -q "sweep merge" err.txt && pass || fail "print engine: no merge hint on stderr"
bash jobs.txt && pass || fail "running the printed jobs"
"$SYMFLOW" sweep merge printed.nc.d -o printed.nc >/dev/null && pass || fail "sweep merge"
same_sweep printed.nc two.nc && pass || fail "print engine + merge differs from the local engine"

echo "[$SECONDS s] 4. the paper's d_H sweep"
# ---- 4. the paper's d_H sweep ----
"$SYMFLOW" sweep "$ROOT/cases/paper-dh-sweep.yaml" --vary problem.d_H=2,5,10,15,18,20,25,30,33,35 \
    --set grid.cells=64 --set time.outputs=11 -o dh.nc >out.txt 2>err.txt && pass || fail "d_H sweep: $(cat err.txt)"
"$PYTHON" - dh.nc <<'PY' && pass || fail "d_H sweep file"
import sys, numpy as np, xarray as xr
ds = xr.open_dataset(sys.argv[1], decode_times=False)
p, m = ds["mass_plus_final"].values, ds["mass_minus_final"].values
ok = (list(ds["d_H"].values) == [2, 5, 10, 15, 18, 20, 25, 30, 33, 35]
      and (ds["status"].values == 0).all() and ds["time"].values[-1] == 10
      and (np.diff(p) > 0).all() and (np.diff(m) < 0).all())
print(ds["status"].values, p, m) if not ok else None
sys.exit(0 if ok else 1)
PY

echo "[$SECONDS s] 5. plot, bad input"
# ---- 5. plot, bad input ----
"$SYMFLOW" plot two.nc --y escape_time -o figs >out.txt 2>err.txt && [ -s figs/sweep_escape_time.png ] \
    && pass || fail "plot --y escape_time: $(cat err.txt)"
"$SYMFLOW" plot dh.nc -o figs >/dev/null 2>err.txt && [ -s figs/sweep_mass_plus_final.png ] \
    && pass || fail "plot (default y): $(cat err.txt)"
"$SYMFLOW" plot dh.nc --y mass_plus_final,mass_minus_final -o figs >/dev/null 2>err.txt \
    && [ -s figs/sweep_mass_plus_final_mass_minus_final.png ] && pass || fail "plot --y a,b: $(cat err.txt)"
"$SYMFLOW" plot two.nc --y nosuch -o figs >/dev/null 2>err.txt
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <err.txt)" -eq 1 ] && grep -q "nosuch" err.txt && pass \
    || fail "plot --y nosuch: exit $rc: $(cat err.txt)"
"$SYMFLOW" sweep "$TINY" --vary problem.d_H -o bad.nc >/dev/null 2>err.txt
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <err.txt)" -eq 1 ] && grep -q "vary" err.txt && pass \
    || fail "--vary without '=': exit $rc: $(cat err.txt)"
"$SYMFLOW" sweep "$TINY" --vary problem.d_H=2,4 -o two.nc >/dev/null 2>err.txt
rc=$?
[ $rc -eq 2 ] && grep -q "holds another sweep" err.txt && pass \
    || fail "another sweep in the work directory: exit $rc: $(cat err.txt)"

"$SYMFLOW" sweep "$TINY" --vary grid.cells=2,4 -o allfail.nc >/dev/null 2>err.txt
rc=$?
[ $rc -eq 4 ] && [ -s allfail.nc ] && grep -q "every point failed" err.txt && pass \
    || fail "every point failing: exit $rc (expected 4, the points' status), $(cat err.txt)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
