#!/usr/bin/env bash
# bad_files.sh — CLI test of `symflow compare` and `symflow info` on bad netCDF inputs:
# missing, truncated, foreign (not symflow) and swapped files, a particle file whose d
# differs from the field's, and files with no common output time. Each run must exit
# non-zero with exactly one line "symflow: error: …" naming the offending file, and leave no
# output (nor a temporary file). A valid pair must succeed.
# Usage: bash bad_files.sh SYMFLOW_BINARY REPO_ROOT PYTHON. Prints "N passed, N failed".
set -u
SYMFLOW=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$2
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/symflow_bad_files.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

short=(--set time.end=0.5 --set 'time.outputs=[0,0.25,0.5]' --quiet)
"$SYMFLOW" solve "$ROOT/cases/tiny.yaml" -o field.nc "${short[@]}" || fail "valid solve"
"$SYMFLOW" particles "$ROOT/cases/tiny.yaml" -m 32 -o parts.nc "${short[@]}" || fail "valid particles"
"$SYMFLOW" particles "$ROOT/cases/tiny.yaml" -m 32 -o parts_d12.nc --set problem.d=12 "${short[@]}" \
    || fail "valid particles d=12"
"$SYMFLOW" particles "$ROOT/cases/tiny.yaml" -m 32 -o parts_late.nc --set time.end=2 \
    --set 'time.outputs=[1,2]' --quiet || fail "valid particles late"
head -c 3000 field.nc >truncated.nc
printf 'this is not netCDF\n' >garbage.nc
cp "$ROOT/cases/tiny.yaml" notnc.yaml
# a netCDF file that symflow did not write (ncgen from netcdf-bin)
printf 'netcdf foreign {\ndimensions:\n x = 2 ;\nvariables:\n double x(x) ;\ndata:\n x = 1, 2 ;\n}\n' \
    | ncgen -o foreign.nc - || fail "ncgen"

"$SYMFLOW" compare field.nc parts.nc -o ok.nc --quiet && [ -s ok.nc ] && pass || fail "valid compare"

# expect_fail NAME WORD -- command...: non-zero exit, one stderr line naming WORD, no cmp.nc*
expect_fail() {
    local name=$1 word=$2
    shift 3
    rm -f cmp.nc .cmp.nc.tmp.*
    "$@" >out.txt 2>err.txt
    local rc=$?
    local lines
    lines=$(wc -l <err.txt)
    if [ $rc -eq 0 ]; then fail "$name: exit 0"; return; fi
    if [ "$lines" -ne 1 ]; then fail "$name: $lines stderr lines: $(cat err.txt)"; return; fi
    if ! grep -q '^symflow: error: ' err.txt; then fail "$name: no 'symflow: error:' prefix"; return; fi
    if ! grep -qF -- "$word" err.txt; then fail "$name: message does not name '$word': $(cat err.txt)"; return; fi
    if compgen -G 'cmp.nc*' >/dev/null || compgen -G '.cmp.nc.tmp.*' >/dev/null; then fail "$name: output left behind"; return; fi
    pass
}
expect_fail "missing field" missing.nc -- "$SYMFLOW" compare missing.nc parts.nc -o cmp.nc
expect_fail "truncated field" truncated.nc -- "$SYMFLOW" compare truncated.nc parts.nc -o cmp.nc
expect_fail "garbage particles" garbage.nc -- "$SYMFLOW" compare field.nc garbage.nc -o cmp.nc
expect_fail "foreign field" foreign.nc -- "$SYMFLOW" compare foreign.nc parts.nc -o cmp.nc
expect_fail "foreign particles" foreign.nc -- "$SYMFLOW" compare field.nc foreign.nc -o cmp.nc
expect_fail "swapped files" parts.nc -- "$SYMFLOW" compare parts.nc field.nc -o cmp.nc
expect_fail "d mismatch" parts_d12.nc -- "$SYMFLOW" compare field.nc parts_d12.nc -o cmp.nc
expect_fail "no common time" parts_late.nc -- "$SYMFLOW" compare field.nc parts_late.nc -o cmp.nc
expect_fail "unwritable output" /nonexistent_dir -- "$SYMFLOW" compare field.nc parts.nc -o /nonexistent_dir/cmp.nc
expect_fail "info missing" missing.nc -- "$SYMFLOW" info missing.nc
expect_fail "info truncated" truncated.nc -- "$SYMFLOW" info truncated.nc
expect_fail "info not netCDF" notnc.yaml -- "$SYMFLOW" info notnc.yaml
expect_fail "compare one file" FIELD -- "$SYMFLOW" compare field.nc
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
