#!/usr/bin/env bash
# layering.sh — the module rules of docs/ and STYLE.md, checked on the source tree:
#   1. solver/ never includes (directly or through another header) a case, reduction,
#      planning or registry header: it sees grids, tables, velocities and laws only;
#   2. reduction/ never includes a solver header;
#   3. nothing outside app/ prints or exits (the library returns sf_status).
# The includes are followed by the C preprocessor (cc -MM -MG), so a header that pulls one
# in counts. Usage: bash layering.sh SYMFLOW REPO_ROOT PYTHON. Prints "N passed, N failed".
set -u
ROOT=$2
CC=${CC:-cc}
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

forbidden_in() { # dir, regex of forbidden headers
    local dir=$1 re=$2 f deps
    for f in "$ROOT/$dir"/*.c; do
        deps=$("$CC" -MM -MG -I"$ROOT/include" "$f" 2>&1) || { fail "$f: cc -MM failed: $deps"; continue; }
        hit=$(printf '%s\n' "$deps" | tr ' \\' '\n\n' | grep -E "$re" | sort -u | tr '\n' ' ')
        [ -z "$hit" ] && pass || fail "${f#$ROOT/} includes $hit"
    done
}
forbidden_in solver 'symflow/(case|reduction|plan|registry)\.h$'
forbidden_in reduction 'symflow/(forml|formt|formode|form|form_particles|drive|particles|ode|fv|registry)\.h$'

# printing or exiting outside app/ (snprintf and friends write to memory: allowed)
for f in "$ROOT"/core/*.c "$ROOT"/reduction/*.c "$ROOT"/solver/*.c "$ROOT"/postproc/*.c; do
    hit=$(grep -nE '(^|[^a-z_])(printf|fprintf|vfprintf|puts|fputs|putchar|perror|exit|abort|_Exit)[[:space:]]*\(' "$f" |
          grep -vE '(snprintf|vsnprintf)[[:space:]]*\(' | head -3)
    [ -z "$hit" ] && pass || fail "${f#$ROOT/} prints or exits: $hit"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
