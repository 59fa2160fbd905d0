#!/usr/bin/env bash
# bad_input.sh — CLI test of the `symflow solve` contract on bad input: for every bad case
# file, override and output path the command exits with the status table's code, prints
# exactly one line "symflow: error: MESSAGE" to stderr naming the file, the line (for file
# errors) and the key, and leaves no output file (nor a temporary one) behind. A small
# valid case must succeed and write its output.
# Not here: the meaning of a valid result (regression/), case parsing details (unit/).
#
# Usage: bash bad_input.sh SYMFLOW_BINARY REPO_ROOT PYTHON   (run from a scratch build dir)
# Prints "N passed, N failed"; exits non-zero if any check failed.
set -u

if [ $# -lt 1 ]; then
    echo "usage: bash bad_input.sh SYMFLOW_BINARY [REPO_ROOT] [PYTHON]" >&2
    exit 2
fi
SYMFLOW=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
REPO_ROOT=${2:-}
PYTHON=${3:-}
: "$REPO_ROOT" "$PYTHON" # part of the CLI-test calling convention; unused here

# Exit codes of include/symflow/status.h (SF_STATUS_TABLE).
E_PARSE=3
E_RANGE=4
E_IO=6
# Wall-clock limit per run, seconds: the valid case is tiny (16 cells, t ≤ 0.5); a bad
# input must fail before any solving.
RUN_LIMIT=120

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    echo "FAIL: $*" >&2
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/symflow_bad_input.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

# The valid case; the line numbers matter to the checks below.
VALID='# bad_input.sh: a small valid case
problem:
  d: 10
  d_H: 2
  target: norm
grid:
  cells: 16
time:
  end: 0.5
  outputs: [0, 0.5]'
#         line 1: comment, 3: d, 4: d_H, 7: cells, 10: outputs; 11+ appended below

# write_case FILE [LINE REPLACEMENT [APPENDED_TEXT]]: the valid case with line LINE replaced
# (0: none) and text appended after its last line (line 10).
write_case() {
    local file=$1 line=${2:-0} repl=${3:-} extra=${4:-}
    printf '%s\n' "$VALID" |
        awk -v n="$line" -v r="$repl" 'NR == n { print r; next } { print }' >"$file"
    if [ -n "$extra" ]; then printf '%s\n' "$extra" >>"$file"; fi
}

no_output_left() {
    local left
    left=$(ls -A | grep -E '^\.?out\.nc' || true)
    [ -z "$left" ]
}

# expect_error NAME WANT_CODE NEEDLE... -- ARGS...: run `symflow ARGS`, check the code
# (WANT_CODE "any" accepts every non-zero code), one stderr line "symflow: error: …"
# containing every NEEDLE, and no out.nc*.
expect_error() {
    local name=$1 want=$2
    shift 2
    local needles=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        needles+=("$1")
        shift
    done
    shift # the --
    rm -f out.nc .out.nc.tmp.*
    timeout "$RUN_LIMIT" "$SYMFLOW" "$@" >stdout.txt 2>stderr.txt
    local code=$?
    local err
    err=$(cat stderr.txt)
    local lines
    lines=$(grep -c '' stderr.txt)

    if [ "$code" -eq 0 ]; then
        fail "$name: exit code 0, expected failure"
    elif [ "$want" != any ] && [ "$code" -ne "$want" ]; then
        fail "$name: exit code $code, expected $want (stderr: $err)"
    else
        pass
    fi
    if [ "$lines" -ne 1 ]; then
        fail "$name: stderr has $lines lines, expected exactly 1: $err"
    else
        pass
    fi
    case $err in
    "symflow: error: "?*) pass ;;
    *) fail "$name: stderr does not start with 'symflow: error: ': $err" ;;
    esac
    local needle
    for needle in "${needles[@]}"; do
        case $err in
        *"$needle"*) pass ;;
        *) fail "$name: stderr lacks '$needle': $err" ;;
        esac
    done
    if no_output_left; then
        pass
    else
        fail "$name: output left behind: $(ls -A | grep -E '^\.?out\.nc' | tr '\n' ' ')"
    fi
}

# The valid case succeeds and writes out.nc (and no temporary file is left).
write_case good.yaml
rm -f out.nc .out.nc.tmp.*
timeout "$RUN_LIMIT" "$SYMFLOW" solve good.yaml -o out.nc --quiet >stdout.txt 2>stderr.txt
code=$?
if [ "$code" -eq 0 ]; then pass; else fail "valid case: exit code $code: $(cat stderr.txt)"; fi
if [ -s out.nc ]; then pass; else fail "valid case: out.nc missing or empty"; fi
if ls -A | grep -qE '^\.out\.nc\.tmp\.'; then fail "valid case: temporary file left"; else pass; fi
rm -f out.nc

# Malformed YAML: "cells: 16: 17" (a mapping value inside a plain scalar), line 7.
write_case bad.yaml 7 '  cells: 16: 17'
expect_error "malformed YAML" "$E_PARSE" "bad.yaml:7:" "malformed YAML" \
    -- solve bad.yaml -o out.nc --quiet

# Unknown key in a section.
write_case bad.yaml 3 '  dimension: 10'
expect_error "unknown key" "$E_PARSE" "bad.yaml:3:" "problem.dimension" "unknown key" \
    -- solve bad.yaml -o out.nc --quiet

# Unknown section.
write_case bad.yaml 0 '' 'mesh:
  cells: 16'
expect_error "unknown section" "$E_PARSE" "bad.yaml:11:" "mesh" \
    -- solve bad.yaml -o out.nc --quiet

# Wrong type.
write_case bad.yaml 7 '  cells: many'
expect_error "wrong type" "$E_PARSE" "bad.yaml:7:" "grid.cells" \
    -- solve bad.yaml -o out.nc --quiet

# Out of range.
write_case bad.yaml 7 '  cells: 4'
expect_error "cells out of range" "$E_RANGE" "bad.yaml:7:" "grid.cells = 4" \
    -- solve bad.yaml -o out.nc --quiet

# Negative output time.
write_case bad.yaml 10 '  outputs: [-1, 0.5]'
expect_error "negative output time" "$E_RANGE" "bad.yaml:10:" "time.outputs" \
    -- solve bad.yaml -o out.nc --quiet

# Output time past the end.
write_case bad.yaml 10 '  outputs: [0, 0.25, 2]'
expect_error "output time past end" "$E_RANGE" "bad.yaml:10:" "time.outputs[2]" \
    -- solve bad.yaml -o out.nc --quiet

# d_H ≥ d.
write_case bad.yaml 4 '  d_H: 10'
expect_error "d_H >= d" "$E_RANGE" "bad.yaml:4:" "problem.d_H" \
    -- solve bad.yaml -o out.nc --quiet

# NaN value.
write_case bad.yaml 0 '' 'solver:
  rtol: .nan'
expect_error "NaN rtol" "$E_RANGE" "bad.yaml:12:" "solver.rtol" "nan" \
    -- solve bad.yaml -o out.nc --quiet

# Unknown enumeration name.
write_case bad.yaml 0 '' 'scheme:
  limiter: superbee'
expect_error "unknown limiter" "$E_PARSE" "bad.yaml:12:" "scheme.limiter" "minmod, vanleer" \
    -- solve bad.yaml -o out.nc --quiet

# Missing case file.
rm -f missing.yaml
expect_error "missing case file" "$E_IO" "missing.yaml" \
    -- solve missing.yaml -o out.nc --quiet

# --set with an unknown key.
write_case good.yaml
expect_error "--set unknown key" "$E_PARSE" "--set problem.dimension=3" "problem.dimension" \
    -- solve good.yaml -o out.nc --set problem.dimension=3 --quiet

# --set with a value out of range (the override wins over the valid file).
expect_error "--set out of range" "$E_RANGE" "--set grid.cells=2" "grid.cells" \
    -- solve good.yaml -o out.nc --set grid.cells=2 --quiet

# Unwritable output path: netCDF or I/O error, naming the path.
expect_error "unwritable output" any "/nonexistent_dir/x.nc" \
    -- solve good.yaml -o /nonexistent_dir/x.nc --quiet
if [ -e /nonexistent_dir/x.nc ]; then fail "unwritable output: file exists"; else pass; fi

# Form H (hyperbolic): a balanced start is refused naming start.law and form lifted; a
# stretched omega-grid naming grid.spacing (exit 10, unsupported combination).
E_UNSUPPORTED=10
write_case good.yaml
expect_error "form hyperbolic, balanced start" "$E_UNSUPPORTED" "start.law" "form: lifted" \
    -- solve good.yaml -o out.nc --set form=hyperbolic --quiet
expect_error "form hyperbolic, stretched" "$E_UNSUPPORTED" "grid.spacing = stretched" \
    -- solve good.yaml -o out.nc --set form=hyperbolic --set start.law=gaussian \
    --set grid.spacing=stretched --quiet

# Form characteristics (L9): a node count out of range names the key; a Gaussian start is
# refused naming start.law.
expect_error "characteristics.nodes = 0" "$E_RANGE" "characteristics.nodes = 0" "≤ 4096" \
    -- solve good.yaml -o out.nc --set form=characteristics --set characteristics.nodes=0 --quiet
expect_error "form characteristics, gaussian start" "$E_UNSUPPORTED" "start.law" "balanced" \
    -- solve good.yaml -o out.nc --set form=characteristics --set start.law=gaussian --quiet

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
