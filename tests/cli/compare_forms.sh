#!/usr/bin/env bash
# compare_forms.sh — `symflow compare` on every form of field file (issue 15 item 3): a form-T
# field and an ode field of cases/odd-linear.yaml (d_H = 1) against one particle file of the
# same case (d = 10: full b stored) must exit 0 and write a compare file whose variables are those of the form (w1_a, w1_u, w1_r,
# risk_gap for T; w_gap, risk_gap, w_particles for ode; w1_omega0, w1_eta0, … for H), with
# finite values (the N+ + N- W1 may be NaN: 128 particles may hold no a^2 > |b|^2).
# Usage: bash compare_forms.sh SYMFLOW REPO_ROOT PYTHON. Prints "N passed, N failed".
set -u
SYMFLOW=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$2
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/symflow_cmpforms.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
CASE="$ROOT/cases/odd-linear.yaml"
times=(--set time.end=1 --set time.outputs=3)

run() { # label, command…: exit 0 expected
    local label=$1
    shift
    "$@" >out.txt 2>err.txt
    local rc=$?
    [ $rc -eq 0 ] && pass || fail "$label: exit $rc: $(cat err.txt)"
}
run "solve T" "$SYMFLOW" solve "$CASE" --set grid.cells=12 "${times[@]}" -o t.nc --quiet
run "solve ode" "$SYMFLOW" solve "$CASE" --set form=ode "${times[@]}" -o o.nc --quiet
run "particles" "$SYMFLOW" particles "$CASE" -m 128 "${times[@]}" -o p.nc --quiet

run "compare T" "$SYMFLOW" compare t.nc p.nc -o ct.nc
grep -q "at 3 common times" out.txt && pass || fail "compare T: summary: $(cat out.txt)"
"$SYMFLOW" info ct.nc >info.txt 2>&1
for v in w1_a w1_u w1_r risk_gap risk_field risk_particles density_a_particles; do
    grep -q "^  $v(time" info.txt && pass || fail "compare T: no variable $v in ct.nc"
done
grep -q 'form = "transport"' info.txt && pass || fail "compare T: no form attribute"
grep -Eiq "nan|inf" <(grep -E "^  (w1_|risk_gap)" info.txt) && fail "compare T: non-finite W1 or gap" || pass

run "compare ode" "$SYMFLOW" compare o.nc p.nc -o co.nc
grep -q "at 3 common times" out.txt && pass || fail "compare ode: summary: $(cat out.txt)"
"$SYMFLOW" info co.nc >info.txt 2>&1
for v in w_gap risk_gap risk_field risk_particles w_error_field w_error_particles; do
    grep -q "^  $v(time" info.txt && pass || fail "compare ode: no variable $v in co.nc"
done
grep -q "^  w_particles(time, component)" info.txt && pass || fail "compare ode: no w_particles"
grep -Eiq "nan|inf" <(grep -E "^  (w_gap|risk_gap)" info.txt) && fail "compare ode: non-finite gap" || pass

run "solve H" "$SYMFLOW" solve "$CASE" --set form=hyperbolic --set grid.cells=16 "${times[@]}" -o h.nc --quiet
run "compare H" "$SYMFLOW" compare h.nc p.nc -o ch.nc
grep -q "at 3 common times" out.txt && pass || fail "compare H: summary: $(cat out.txt)"
"$SYMFLOW" info ch.nc >info.txt 2>&1
for v in w1_omega0 w1_eta0 w1_omega_pos w1_eta_pos risk_gap mass0_field mass0_particles density_eta0_particles; do
    grep -q "^  $v(time" info.txt && pass || fail "compare H: no variable $v in ch.nc"
done
grep -q 'form = "hyperbolic"' info.txt && pass || fail "compare H: no form attribute"
grep -Eiq "nan|inf" <(grep -E "^  (w1_omega0|w1_eta0|risk_gap)" info.txt) && fail "compare H: non-finite W1 or gap" || pass

# A particle file of another dimension is refused (exit ≠ 0, no output).
run "particles d=12" "$SYMFLOW" particles "$CASE" -m 16 --set problem.d=12 "${times[@]}" -o p12.nc --quiet
"$SYMFLOW" compare t.nc p12.nc -o bad.nc >out.txt 2>err.txt && fail "compare T: d mismatch accepted" || pass
[ -e bad.nc ] && fail "compare T: output left after an error" || pass
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
