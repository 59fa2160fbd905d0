#!/usr/bin/env bash
# large_dims.sh — issue 14's "silent wrong numbers": with d_H = 10⁶ (d = 10⁶ + 1) the run
# gave R(0.01) = −767891 with exit 0, and d_H = 10¹⁵ gave R(0) = 2.16e15 instead of d_H/2.
# Now: R(0) = ½ E|x_H|² = d_H/2 exactly (L3), R stays ≥ 0 and falls (L2), exit 0; a case
# outside the supported range is refused naming the key (exit 4). Issue 16: paper-norm at
# d = 10⁹ and 10¹² on the default (auto) grid runs, R(0) = 2.5 and R falls.
# Usage: bash large_dims.sh SYMFLOW REPO_ROOT PYTHON. Prints "N passed, N failed".
set -u
SYMFLOW=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$2
PYTHON=$3
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/symflow_large.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

# risk series of FILE: first, min and last, one line
series() {
    "$PYTHON" - "$1" <<'PY'
import sys, netCDF4
r = netCDF4.Dataset(sys.argv[1])["risk"][:]
print("%.17g %.17g %.17g" % (r[0], r.min(), r[-1]))
PY
}

check() { # D D_H END LABEL
    "$SYMFLOW" solve "$ROOT/cases/tiny.yaml" --set problem.d="$1" --set problem.d_H="$2" \
        --set time.end="$3" --set time.outputs=3 -o "$4.nc" --quiet 2>err.txt
    local rc=$?
    [ $rc -eq 0 ] && pass || { fail "$4: exit $rc: $(cat err.txt)"; return; }
    read -r r0 rmin rlast < <(series "$4.nc")
    # R(0) = d_H/2 to rounding (relative 1e-14: a few ulps of the quadrature sums)
    "$PYTHON" -c "import sys; sys.exit(0 if abs($r0 / ($2 / 2.0) - 1) < 1e-14 else 1)" &&
        pass || fail "$4: R(0) = $r0, expected d_H/2 = $2/2"
    "$PYTHON" -c "import sys; sys.exit(0 if $rmin >= 0 and $rlast < $r0 else 1)" &&
        pass || fail "$4: R not non-negative and falling: min $rmin, last $rlast, first $r0"
}
check 1000001 1000000 0.01 dH1e6
check 1000000000000001 1000000000000000 0.001 dH1e15

# large k (issue 16): d = 10⁹ and 10¹² with d_H = 5 run to t = 2, by finite volumes on the auto
# grid (the cluster on the start's layer stops narrowing at k = 10⁹, reduction/plan.c) and by
# characteristics (the Gauss rule of Beta(d_H/2, k/2) is exact at any k, docs/math.md (L9))
for form in lifted characteristics; do
for d in 1000000000 1000000000000; do
    "$SYMFLOW" solve "$ROOT/cases/paper-norm.yaml" --set form=$form --set problem.d=$d \
        --set time.end=2 --set time.outputs=3 --set grid.cells=100 -o "k$d-$form.nc" --quiet \
        2>err.txt
    rc=$?
    [ $rc -eq 0 ] && pass || fail "paper-norm d = $d, form $form: exit $rc: $(cat err.txt)"
    if [ $rc -eq 0 ]; then
        read -r r0 rmin rlast < <(series "k$d-$form.nc")
        "$PYTHON" -c "import sys; sys.exit(0 if abs($r0 / 2.5 - 1) < 1e-14 and 0 <= $rmin and $rlast < $r0 else 1)" &&
            pass || fail "paper-norm d = $d, form $form: R(0) = $r0 (expected 2.5), min $rmin, last $rlast"
    fi
done
done

# outside the supported range: refused, naming the key
"$SYMFLOW" solve "$ROOT/cases/tiny.yaml" --set problem.d=2000000000 --set problem.d_H=1000000000 \
    -o out.nc --quiet 2>err.txt
rc=$?
[ $rc -eq 4 ] && pass || fail "d = d_H = 1e9: exit $rc, expected 4: $(cat err.txt)"
grep -q "problem.d" err.txt && pass || fail "d = d_H = 1e9: message names no key: $(cat err.txt)"
compgen -G 'out.nc*' >/dev/null && fail "refused run left a file" || pass
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
