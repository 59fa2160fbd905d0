#!/usr/bin/env bash
# valgrind.sh — the `symflow` command end to end under valgrind's memcheck: no invalid
# access, no leak (definite, indirect or possible) on the solve, particles, compare and
# info paths, and on a failing run (bad case file). "Still reachable" blocks are the
# libraries' own (libgomp, HDF5 keep init-time state until exit) and are not counted.
# Usage: valgrind.sh SYMFLOW REPO_ROOT
set -u
symflow=$1
root=$2
if ! command -v valgrind >/dev/null; then
  echo "valgrind not installed"; exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vg=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible
    --error-exitcode=99 --suppressions="$root/tests/memcheck/gomp.supp")
pass=0 fail=0
run() { # expected-status description command...
  local want=$1 what=$2; shift 2
  "${vg[@]}" "$@" >"$tmp/out" 2>&1
  local rc=$?
  if [ "$rc" = "$want" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $what: exit $rc (expected $want)"; cat "$tmp/out"; fi
}
short=(--set time.end=0.5 --set 'time.outputs=[0,0.25,0.5]' --quiet)
run 0 "solve" "$symflow" solve "$root/cases/tiny.yaml" -o "$tmp/f.nc" "${short[@]}"
run 0 "particles" "$symflow" particles "$root/cases/tiny.yaml" -m 64 -o "$tmp/p.nc" "${short[@]}"
run 0 "reduced particles" "$symflow" particles "$root/cases/tiny.yaml" -m 64 -o "$tmp/r.nc" \
  --set particles.method=reduced "${short[@]}"
run 0 "compare" "$symflow" compare "$tmp/f.nc" "$tmp/p.nc" -o "$tmp/c.nc" --quiet
run 0 "info" "$symflow" info "$tmp/f.nc"
run 0 "ode" "$symflow" solve "$root/cases/odd-linear.yaml" --set form=ode -o "$tmp/o.nc" "${short[@]}"
run 0 "transport" "$symflow" solve "$root/cases/odd-linear.yaml" --set grid.cells=10 -o "$tmp/t.nc" "${short[@]}"
run 0 "hemisphere (FFTW)" "$symflow" solve "$root/cases/xor.yaml" --set grid.cells=8 -o "$tmp/h.nc" "${short[@]}"
printf 'problem:\n  d: [\n' >"$tmp/bad.yaml"
run 3 "malformed case" "$symflow" solve "$tmp/bad.yaml" -o "$tmp/bad.nc" --quiet
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
