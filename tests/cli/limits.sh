#!/usr/bin/env bash
# limits.sh — CLI test of issue 14's limits: each input that used to take the machine's
# memory or time, or to reach the terminal raw, is refused quickly with one line naming
# the key (or file:line) and the figure, and the overrides are recorded in the files:
#   grid.cells = 40000 with solver.kernel: dense (a 12.8 GB K̂ table) and particles -m 50000 (a 20 GB pair table)
#     under --max-memory: exit 5, the key, its value and both sizes;
#   /dev/urandom, a 17 MiB file, 10⁵ nested '[': exit 6 / 6 / 3 within RUN_LIMIT;
#   an ESC and a newline in a case value come out as \x1b and \x0a;
#   -m with a 52-character value, -m 12x, --max-memory 0x: usage errors (exit 2);
#   the --set overrides are in the field and particle files (attribute case_overrides);
#   the K̂ table's progress ("tables: N %") shows on a terminal and only there.
# Not here: the estimate's arithmetic (unit/memory_budget), the case keys (unit/case_parse).
#
# Usage: bash limits.sh SYMFLOW_BINARY REPO_ROOT PYTHON   (run from a scratch build dir)
# Prints "N passed, N failed"; exits non-zero if any check failed.
set -u

if [ $# -lt 1 ]; then
    echo "usage: bash limits.sh SYMFLOW_BINARY [REPO_ROOT] [PYTHON]" >&2
    exit 2
fi
SYMFLOW=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
REPO_ROOT=${2:-}
PYTHON=${3:-}
: "$REPO_ROOT" "$PYTHON"

E_ARG=2
E_PARSE=3
E_NOMEM=5
E_IO=6
# Seconds a refusal may take: each one happens before any table or read past the bound
# (measured ≤ 0.2 s); 10 s leaves room for a loaded machine and still catches a hang.
RUN_LIMIT=10

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    echo "FAIL: $*" >&2
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/symflow_limits.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

cat >small.yaml <<'YAML'
problem:
  d: 10
  d_H: 2
  target: norm
grid:
  cells: 16
time:
  end: 0.5
  outputs: [0, 0.5]
particles:
  m: 8
YAML

# expect NAME WANT_CODE NEEDLE... -- ARGS...: `symflow ARGS` ends within RUN_LIMIT with
# WANT_CODE and one stderr line "symflow: error: …" containing every NEEDLE.
expect() {
    local name=$1 want=$2
    shift 2
    local needles=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        needles+=("$1")
        shift
    done
    shift
    local t0 t1 code err lines
    t0=$(date +%s.%N)
    timeout "$RUN_LIMIT" "$SYMFLOW" "$@" >stdout.txt 2>stderr.txt
    code=$?
    t1=$(date +%s.%N)
    err=$(cat stderr.txt)
    lines=$(grep -c '' stderr.txt)
    echo "$name: exit $code in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s"
    if [ "$code" -eq 124 ]; then
        fail "$name: still running after $RUN_LIMIT s"
    elif [ "$code" -ne "$want" ]; then
        fail "$name: exit code $code, expected $want (stderr: $err)"
    else
        pass
    fi
    if [ "$lines" -eq 1 ] && [ "${err#symflow: error: }" != "$err" ]; then
        pass
    else
        fail "$name: expected one line 'symflow: error: …', got $lines: $err"
    fi
    local needle
    for needle in "${needles[@]}"; do
        case $err in
        *"$needle"*) pass ;;
        *) fail "$name: stderr lacks '$needle': $err" ;;
        esac
    done
}

# Memory: refused before allocating, the key, its value, the item and both figures.
expect "grid.cells=40000" $E_NOMEM "grid.cells = 40000" "K̂ table" "12.8 GB" "1.0 GB" \
    "--max-memory" -- solve small.yaml --set grid.cells=40000 --set solver.kernel=dense \
    --max-memory 1G -o out.nc
expect "particles -m 50000" $E_NOMEM "particles.m = 50000" "20.0 GB" "2.0 GB" -- \
    particles small.yaml -m 50000 --max-memory 2G -o out.nc
expect "time.outputs=1e15" $E_NOMEM "time.outputs = 1000000000000000" "8.0 PB" -- \
    solve small.yaml --set time.outputs=1e15 -o out.nc
[ ! -e out.nc ] && pass || fail "an output file was left by a refused case"

# Case files: bounded in size (before reading it all) and in nesting depth.
expect "/dev/urandom" $E_IO "/dev/urandom" "16 MiB" -- solve /dev/urandom -o out.nc
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' '#' >big.yaml
expect "17 MiB file" $E_IO "big.yaml: 17825792 bytes" "16 MiB" -- solve big.yaml -o out.nc
head -c 100000 /dev/zero | tr '\0' '[' >deep.yaml
expect "10^5 nested [" $E_PARSE "deep.yaml:1: nesting deeper than 64 levels" -- \
    solve deep.yaml -o out.nc
expect "--set nested" $E_PARSE "nesting deeper than 64 levels" -- \
    solve small.yaml --set "grid.cells=$(head -c 100 /dev/zero | tr '\0' '[')" -o out.nc

# Control characters of user strings are escaped.
printf 'problem:\n  target: "a\\e[31mred\\nx"\n' >esc.yaml
expect "ESC in a value" $E_PARSE "problem.target = 'a\\x1b[31mred\\x0ax'" -- solve esc.yaml -o out.nc
if grep -q $'\x1b' stderr.txt; then fail "a raw ESC reached stderr"; else pass; fi

# -m and --seed: integers, never silently truncated.
M52=$(printf '5%.0s' $(seq 52))
expect "-m 52 digits" $E_ARG "-m $M52" "expected an integer" -- particles small.yaml -m "$M52"
expect "-m 12x" $E_ARG "-m 12x" -- particles small.yaml -m 12x
expect "--seed 1.5" $E_ARG "--seed 1.5" -- particles small.yaml --seed 1.5
expect "--max-memory 0x" $E_ARG "--max-memory 0x" -- solve small.yaml --max-memory 0x

# The overrides are recorded in both kinds of file.
if "$SYMFLOW" solve small.yaml --set 'time.outputs=[0, 0.25]' --set grid.cells=12 -o f.nc -q &&
    "$SYMFLOW" particles small.yaml -m 6 --set time.outputs=3 -o p.nc -q; then
    pass
else
    fail "the small case did not run"
fi
if command -v ncdump >/dev/null; then
    ncdump -h f.nc | grep -qF 'case_overrides = "time.outputs=[0, 0.25]\ngrid.cells=12"' && pass ||
        fail "field file: case_overrides: $(ncdump -h f.nc | grep case_overrides)"
    ncdump -h p.nc | grep -qF 'case_overrides = "particles.m=6\ntime.outputs=3"' && pass ||
        fail "particle file: case_overrides: $(ncdump -h p.nc | grep case_overrides)"
else
    echo "note: no ncdump; case_overrides not checked"
fi

# Progress of the K̂ table on a terminal (script(1) gives the command a pseudo-terminal).
if command -v script >/dev/null; then
    script -qc "'$SYMFLOW' solve small.yaml --set grid.cells=200 -o t.nc" /dev/null >tty.txt 2>&1
    grep -aq 'tables: 100 %' tty.txt && pass || fail "no 'tables: 100 %' on a terminal: $(tr '\r' '\n' <tty.txt | head -3)"
    "$SYMFLOW" solve small.yaml --set grid.cells=200 -o t.nc 2>notty.txt >/dev/null
    grep -q tables notty.txt && fail "table progress written to a file" || pass
else
    echo "note: no script(1); table progress not checked"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
