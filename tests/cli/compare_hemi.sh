#!/usr/bin/env bash
# compare_hemi.sh — `symflow particles` and `symflow compare` on the d_H = 2 hemisphere
# (xor, cases/xor.yaml, d = 20; MATH §4.8, (M18), (M19)). One grid solution (24 × 96 cells,
# t ≤ 4) against full-width particle runs (cvode) for m ∈ {64, 256, 1024} (the slow
# variant, SF_CMP_HEMI_SLOW=1: {256, 1024, 4096}), SEEDS seeds each. Checked:
#   - the compare file has the hemisphere's variables (w1_theta_±, w1_phi_±, risk_gap,
#     the marginals on theta and phi) with finite values, the particle file d_H = 2;
#   - the distance falls like m^{-1/2}: the mean over seeds of W = (W₁θ⁺ + W₁θ⁻ + W₁φ⁺ +
#     W₁φ⁻)/4 at t = 4 (the empirical measure's fluctuation; the grid's own error, ≤ 5e-4 in
#     R, is far below W at these m) is fitted against log m; the slope must be within
#     3 standard errors of −1/2, the standard error propagated from the seed-to-seed
#     spread of log W at each m (least squares: se² = Σ (x_i − x̄)² se_i² / (Σ (x_i − x̄)²)²).
#   - the risk gap sup_t |R_m(t) − R(t)| (t = 0 … 4) likewise: its fluctuation is O(m^{-1/2})
#     and its bias O(1/m) (the self-interaction), so at these m the slope is −1/2 within the
#     same 3 standard errors (geometric means over seeds: logs, so one lucky seed with a tiny
#     gap weighs as much as it should and no more).
# Usage: bash compare_hemi.sh SYMFLOW REPO_ROOT PYTHON. Prints "N passed, N failed".
set -u
SYMFLOW=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$2
PY=${3:-/usr/bin/python3}
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/symflow_cmphemi.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
CASE="$ROOT/cases/xor.yaml"
times=(--set time.end=4 --set time.outputs=5)
if [ "${SF_CMP_HEMI_SLOW:-0}" = 1 ]; then MS="256 1024 4096"; else MS="64 256 1024"; fi
SEEDS=4

"$SYMFLOW" solve "$CASE" "${times[@]}" -o f.nc --quiet 2>err.txt && pass || fail "solve: $(cat err.txt)"
: >w.txt
for m in $MS; do
    for s in $(seq 1 $SEEDS); do
        "$SYMFLOW" particles "$CASE" -m "$m" --seed "$s" "${times[@]}" -o "p$m-$s.nc" --quiet \
            2>err.txt || { fail "particles m=$m seed $s: $(cat err.txt)"; continue; }
        "$SYMFLOW" compare f.nc "p$m-$s.nc" -o "c$m-$s.nc" --quiet 2>err.txt ||
            { fail "compare m=$m seed $s: $(cat err.txt)"; continue; }
        echo "$m $s c$m-$s.nc" >>w.txt
    done
done
first=$(head -1 w.txt | cut -d' ' -f3)
"$SYMFLOW" info "$first" >info.txt 2>&1
for v in w1_theta_plus w1_theta_minus w1_phi_plus w1_phi_minus risk_gap theta_plus_field \
    phi_plus_particles; do
    grep -q "^  $v(time" info.txt && pass || fail "no variable $v in $first"
done
grep -q 'form = "lifted-hemisphere"' info.txt && pass || fail "compare: form attribute"
"$SYMFLOW" info "$(ls p*-1.nc | head -1)" | grep -q "d_H = 2" && pass || fail "particle file d_H"

"$PY" "$ROOT/tests/cli/lib/slope_fit.py" w.txt --label "W (t = 4)" \
    --vars w1_theta_plus,w1_theta_minus,w1_phi_plus,w1_phi_minus \
    && pass || fail "slope against m (see above)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
