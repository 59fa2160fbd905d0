#!/usr/bin/env bash
# transport_box.sh — the form-T box (MATH.md §4.5, issue 4): for f* = |x₁| with a narrow
# start in b (σ_b = 0.3) the start-law box is short in r. With grid.margin left to symflow,
# the pilot run and the retry on a larger box must carry the solve through (exit 0, a note
# on stderr, the field file written); with grid.margin = 1 fixed by the user the run must
# stop with exit 11 (SF_E_DOMAIN), one line naming the face, "grid.margin", and no file.
# Usage: bash transport_box.sh SYMFLOW REPO_ROOT PYTHON. Prints "N passed, N failed".
set -u
SYMFLOW=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$2
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/symflow_box.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
E_DOMAIN=11
args=(--set start.sigma_b=0.3 --set grid.cells=24 --set time.end=3 --set time.outputs=7)

"$SYMFLOW" solve "$ROOT/cases/abs.yaml" "${args[@]}" -o auto.nc >out.txt 2>err.txt
rc=$?
[ $rc -eq 0 ] && pass || fail "automatic box: exit $rc: $(cat err.txt)"
[ -s auto.nc ] && pass || fail "automatic box: no field file"
grep -q "box from a pilot run" out.txt && pass || fail "automatic box: summary does not say the pilot sized the box"
grep -q "^symflow: note: domain too small" err.txt && pass || fail "automatic box: no retry note"

"$SYMFLOW" solve "$ROOT/cases/abs.yaml" "${args[@]}" --set grid.margin=1 -o fixed.nc >out.txt 2>err.txt
rc=$?
[ $rc -eq $E_DOMAIN ] && pass || fail "fixed box: exit $rc, expected $E_DOMAIN"
[ "$(wc -l <err.txt)" -eq 1 ] && pass || fail "fixed box: $(wc -l <err.txt) stderr lines"
grep -q "^symflow: error: domain too small: .* of r = " err.txt && pass || fail "fixed box: message: $(cat err.txt)"
grep -q "grid.margin" err.txt && pass || fail "fixed box: message does not say how to fix it"
compgen -G 'fixed.nc*' >/dev/null && fail "fixed box: output left behind" || pass
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
