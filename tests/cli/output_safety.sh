#!/usr/bin/env bash
# output_safety.sh — CLI test of what `-o` may replace (core/atomic.c): the output is written
# to an unpredictable temporary beside it and renamed, so a symbolic link at the output path
# is replaced by a regular file and its target never written; an output that is an input of
# the command (the case file of solve/particles, FIELD or PARTICLES of compare; by device and
# inode: ./t.yaml, a hard link, a symbolic link), a device (/dev/null), a FIFO or a directory
# is refused with exit 6 and one message naming it; a full disk (simulated by ulimit -f with
# SIGXFSZ ignored, so writes fail with EFBIG) exits 8 with one message. No failed run leaves
# an output or a temporary (.NAME.tmp.*) behind, and no input is modified.
# Not here: bad case files and bad netCDF inputs (bad_input.sh, bad_files.sh).
#
# Usage: bash output_safety.sh SYMFLOW_BINARY REPO_ROOT PYTHON   (run from a scratch build dir)
# Prints "N passed, N failed"; exits non-zero if any check failed.
set -u
if [ $# -lt 2 ]; then
    echo "usage: bash output_safety.sh SYMFLOW_BINARY REPO_ROOT [PYTHON]" >&2
    exit 2
fi
SYMFLOW=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$2" && pwd)

# Exit codes of include/symflow/status.h (SF_STATUS_TABLE).
E_IO=6
E_NETCDF=8
RUN_LIMIT=120 # seconds per run: tiny.yaml to t = 0.5 takes well under a second

passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/symflow_output_safety.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

short=(--set time.end=0.5 --set 'time.outputs=[0,0.25,0.5]' --quiet)
cp "$ROOT/cases/tiny.yaml" t.yaml
cp t.yaml t.orig

no_temporary() { ! ls -A | grep -q '\.tmp\.'; }

# expect_fail NAME CODE WORD... -- command...: exit CODE, one stderr line "symflow: error: …"
# containing every WORD, and no temporary left in the directory.
expect_fail() {
    local name=$1 want=$2
    shift 2
    local words=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        words+=("$1")
        shift
    done
    shift
    timeout "$RUN_LIMIT" "$@" >out.txt 2>err.txt
    local rc=$? lines w
    lines=$(grep -c '' err.txt)
    if [ $rc -ne "$want" ]; then fail "$name: exit $rc, expected $want: $(cat err.txt)"; return; fi
    if [ "$lines" -ne 1 ]; then fail "$name: $lines stderr lines: $(cat err.txt)"; return; fi
    if ! grep -q '^symflow: error: ' err.txt; then fail "$name: no 'symflow: error:' prefix"; return; fi
    for w in "${words[@]}"; do
        if ! grep -qF -- "$w" err.txt; then fail "$name: message lacks '$w': $(cat err.txt)"; return; fi
    done
    if ! no_temporary; then fail "$name: temporary left: $(ls -A | tr '\n' ' ')"; return; fi
    pass
}

# 1. A valid run writes a regular file and leaves no temporary.
timeout "$RUN_LIMIT" "$SYMFLOW" solve t.yaml -o field.nc "${short[@]}" || fail "valid solve"
timeout "$RUN_LIMIT" "$SYMFLOW" particles t.yaml -m 32 -o parts.nc "${short[@]}" || fail "valid particles"
if [ -f field.nc ] && [ ! -L field.nc ] && [ -f parts.nc ] && no_temporary; then pass
else fail "valid runs: $(ls -lA | tr '\n' ' ')"; fi
cp field.nc field.orig
cp parts.nc parts.orig

# 2. A symbolic link at the output path is replaced, its target is never written: an existing
#    victim keeps its bytes, a dangling link's target is not created.
printf 'victim\n' >victim.txt
cp victim.txt victim.orig
ln -s victim.txt link.nc
ln -s absent_target.nc dangling.nc
if timeout "$RUN_LIMIT" "$SYMFLOW" solve t.yaml -o link.nc "${short[@]}" &&
    [ -f link.nc ] && [ ! -L link.nc ] && cmp -s victim.txt victim.orig; then pass
else fail "symlink at the output: $(ls -lA | tr '\n' ' ')"; fi
if timeout "$RUN_LIMIT" "$SYMFLOW" solve t.yaml -o dangling.nc "${short[@]}" &&
    [ -f dangling.nc ] && [ ! -L dangling.nc ] && [ ! -e absent_target.nc ]; then pass
else fail "dangling symlink at the output: $(ls -lA | tr '\n' ' ')"; fi
if no_temporary; then pass; else fail "symlink runs left a temporary"; fi

# 3. The case file as output, however spelt, is refused and stays intact.
ln t.yaml hard.yaml
ln -s t.yaml soft.yaml
for o in t.yaml ./t.yaml "$WORK/t.yaml" hard.yaml soft.yaml; do
    expect_fail "solve -o $o" $E_IO "$o" "input" -- "$SYMFLOW" solve t.yaml -o "$o" "${short[@]}"
done
expect_fail "particles -o ./t.yaml" $E_IO "./t.yaml" "input" -- \
    "$SYMFLOW" particles t.yaml -m 32 -o ./t.yaml "${short[@]}"
expect_fail "solve via a link, -o the target" $E_IO "t.yaml" "input" -- \
    "$SYMFLOW" solve soft.yaml -o t.yaml "${short[@]}"
if cmp -s t.yaml t.orig && [ ! -L t.yaml ]; then pass; else fail "case file modified"; fi

# 4. compare: FIELD or PARTICLES as output, spelt differently, is refused; both intact.
expect_fail "compare -o ./field.nc" $E_IO "./field.nc" "input" -- \
    "$SYMFLOW" compare field.nc parts.nc -o ./field.nc --quiet
expect_fail "compare -o absolute parts.nc" $E_IO "$WORK/parts.nc" "input" -- \
    "$SYMFLOW" compare field.nc parts.nc -o "$WORK/parts.nc" --quiet
if cmp -s field.nc field.orig && cmp -s parts.nc parts.orig; then pass; else fail "compare inputs modified"; fi
if timeout "$RUN_LIMIT" "$SYMFLOW" compare field.nc parts.nc -o cmp.nc --quiet && [ -f cmp.nc ]; then pass
else fail "valid compare"; fi

# 5. Special files and directories are refused (replacing /dev/null would break the system
#    when run as root) and left as they were.
mkfifo fifo.nc
mkdir dir.nc
ln -s /dev/null null_link.nc
expect_fail "-o /dev/null" $E_IO "/dev/null" "character device" -- \
    "$SYMFLOW" solve t.yaml -o /dev/null "${short[@]}"
expect_fail "-o FIFO" $E_IO "fifo.nc" "FIFO" -- "$SYMFLOW" solve t.yaml -o fifo.nc "${short[@]}"
expect_fail "-o directory" $E_IO "dir.nc" "directory" -- "$SYMFLOW" solve t.yaml -o dir.nc "${short[@]}"
expect_fail "-o link to /dev/null" $E_IO "null_link.nc" "character device" -- \
    "$SYMFLOW" solve t.yaml -o null_link.nc "${short[@]}"
expect_fail "particles -o FIFO" $E_IO "fifo.nc" "FIFO" -- \
    "$SYMFLOW" particles t.yaml -m 32 -o fifo.nc "${short[@]}"
expect_fail "compare -o directory" $E_IO "dir.nc" "directory" -- \
    "$SYMFLOW" compare field.nc parts.nc -o dir.nc --quiet
if [ -p fifo.nc ] && [ -d dir.nc ] && [ -c /dev/null ] && [ -L null_link.nc ]; then pass
else fail "special files changed: $(ls -lA | tr '\n' ' ')"; fi

# 6. A full disk: writes beyond half the valid file's size fail with EFBIG (SIGXFSZ ignored),
#    so the run cannot finish; it must exit 8 with one message and leave nothing.
limit_kib=$(($(stat -c %s field.orig) / 2048))
full=(bash -c 'trap "" XFSZ; ulimit -f "$0"; exec "$@"' "$limit_kib")
expect_fail "solve, disk full" $E_NETCDF "full.nc" -- "${full[@]}" "$SYMFLOW" solve t.yaml -o full.nc "${short[@]}"
expect_fail "particles, disk full" $E_NETCDF "full.nc" -- \
    "${full[@]}" "$SYMFLOW" particles t.yaml -m 2000 -o full.nc "${short[@]}"
if [ ! -e full.nc ]; then pass; else fail "disk full: full.nc left"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
