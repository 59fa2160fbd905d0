#!/usr/bin/env bash
# install.sh — `cmake --install` of this build tree into a temporary prefix, then the
# installation used as a library and as a command:
#   1. the installed files: libsymflow (.so and .a), headers with version.h, the command,
#      the CMake package, symflow.pc, the Python package, man page, bash completion,
#      LICENSE and CITATION.cff;
#   2. examples/minimal.c built out of tree with find_package(symflow) (shared and static)
#      and with pkg-config; each prints the same R at the last output as `symflow solve` on
#      cases/tiny.yaml shortened to time.end=0.2;
#   3. the installed command run from the prefix (outside the source tree): --version, and
#      `plot --help`, which needs the installed Python package (PYTHONPATH cleared);
#   4. the installed Python package symflow (PYTHONPATH = the prefix's only) loads the
#      prefix's libsymflow and its solve() gives the command's R.
# Usage: bash install.sh SYMFLOW REPO_ROOT PYTHON (SYMFLOW is BUILD/app/symflow).
# Prints "N passed, N failed". Does not rebuild the project: it installs what is built.
set -u
export LC_ALL=C
SYMFLOW=$1 ROOT=$2 PYTHON=${3:-/usr/bin/python3}
BUILD=$(cd "$(dirname "$SYMFLOW")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/symflow-install.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
PREFIX=$TMP/prefix
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }
CASE_ARGS=(time.end=0.2 time.outputs=3)

if ! cmake --install "$BUILD" --prefix "$PREFIX" >"$TMP/install.log" 2>&1; then
    fail "cmake --install $BUILD: $(tail -5 "$TMP/install.log")"
    finish
fi
pass

# 1. installed files
for f in bin/symflow lib/libsymflow.so lib/libsymflow.a include/symflow/symflow.h \
         include/symflow/registry.h include/symflow/version.h \
         lib/cmake/symflow/symflowConfig.cmake lib/cmake/symflow/symflowConfigVersion.cmake \
         lib/cmake/symflow/symflowTargets.cmake lib/pkgconfig/symflow.pc \
         lib/python3/dist-packages/symflow_post/__main__.py share/man/man1/symflow.1 \
         share/bash-completion/completions/symflow share/doc/symflow/LICENSE \
         share/doc/symflow/CITATION.cff; do
    [ -s "$PREFIX/$f" ] && pass || fail "not installed: $f"
done
grep -q 'BSD 3-Clause' "$PREFIX/share/doc/symflow/LICENSE" && pass || fail "LICENSE is not BSD-3-Clause"
grep -q '^cff-version: 1.2.0' "$PREFIX/share/doc/symflow/CITATION.cff" && pass || fail "CITATION.cff: no cff-version 1.2.0"
# rendered by man when man-db is installed (a fresh CI machine may lack it), else the roff source
if command -v man >/dev/null 2>&1; then
    man -l "$PREFIX/share/man/man1/symflow.1" 2>/dev/null | grep -q 'EXIT STATUS' && pass || fail "man page does not render with an EXIT STATUS section"
else
    grep -q '^\.SH "\?EXIT STATUS' "$PREFIX/share/man/man1/symflow.1" && pass || fail "man page has no EXIT STATUS section"
fi
bash -c "source '$PREFIX/share/bash-completion/completions/symflow' && complete -p symflow" >/dev/null 2>&1 &&
    pass || fail "bash completion does not register for symflow"

# reference: the build tree's command on the shortened case
set_args=()
for a in "${CASE_ARGS[@]}"; do set_args+=(--set "$a"); done
ref=$("$SYMFLOW" solve "$ROOT/cases/tiny.yaml" "${set_args[@]}" -o "$TMP/ref.nc" 2>&1)
R_ref=$(printf '%s\n' "$ref" | awk '$1 == "risk" { print $3 }')
[ -n "$R_ref" ] && pass || fail "symflow solve printed no risk line: $ref"

check_R() { # label, program
    local out R
    out=$("$2" "$ROOT/cases/tiny.yaml" "${CASE_ARGS[@]}" 2>&1) || { fail "$1: run failed: $out"; return; }
    R=$(printf '%s\n' "$out" | sed -n 's/^R = \([^ ]*\) .*/\1/p')
    [ -n "$R" ] && [ "$R" = "$R_ref" ] && pass || fail "$1: R = '$R', symflow solve: R = '$R_ref'"
}

# 2. the example, built against the prefix
for flavour in shared static; do
    static=OFF; [ $flavour = static ] && static=ON
    if cmake -S "$ROOT/examples" -B "$TMP/ex-$flavour" -DCMAKE_PREFIX_PATH="$PREFIX" \
             -DSYMFLOW_STATIC=$static >"$TMP/ex-$flavour.log" 2>&1 &&
       cmake --build "$TMP/ex-$flavour" >>"$TMP/ex-$flavour.log" 2>&1; then
        pass
        check_R "find_package ($flavour)" "$TMP/ex-$flavour/minimal"
    else
        fail "examples/ with find_package ($flavour): $(tail -15 "$TMP/ex-$flavour.log")"
    fi
done
if pc=$(PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig pkg-config --cflags --libs symflow 2>&1) &&
   ${CC:-cc} -std=c11 "$ROOT/examples/minimal.c" -o "$TMP/minimal-pc" $pc -Wl,-rpath,"$PREFIX/lib" \
       >"$TMP/pc.log" 2>&1; then
    pass
    check_R "pkg-config" "$TMP/minimal-pc"
else
    fail "examples/minimal.c with pkg-config ($pc): $(tail -15 "$TMP/pc.log" 2>/dev/null)"
fi

# 3. the installed command, from outside the source tree
cd "$TMP" || fail "cd $TMP"
v=$(env -u PYTHONPATH "$PREFIX/bin/symflow" --version 2>&1)
[[ $v == *"$(sed -n 's/^project(symflow VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")"* ]] &&
    pass || fail "installed symflow --version: $v"
# hide the source tree's package: the installed one must be found
h=$(env -u PYTHONPATH "$PREFIX/bin/symflow" plot --help 2>&1) && pass || fail "installed symflow plot --help: $h"
# `plot --help` is answered by the command itself; a real plot runs the Python package, and
# the bytecode Python leaves next to it shows which copy was imported.
h=$(env -u PYTHONPATH -u PYTHONDONTWRITEBYTECODE "$PREFIX/bin/symflow" plot "$TMP/ref.nc" -o "$TMP/figs" 2>&1) &&
    ls "$TMP"/figs/*.png >/dev/null 2>&1 && pass || fail "installed symflow plot: $h"
ls "$PREFIX"/lib/python3/dist-packages/symflow_post/__pycache__/*.pyc >/dev/null 2>&1 &&
    pass || fail "installed symflow plot did not import the installed symflow_post"
# the installed Python package symflow finds the installed libsymflow (PREFIX/lib) by itself
# and gives the command's R at the last output
[ -s "$PREFIX/lib/python3/dist-packages/symflow/__init__.py" ] && pass || fail "not installed: python symflow"
# (sanitizer builds: ASan's runtime must be first in python, SF_PYTHON_PRELOAD from ctest)
preload=()
[ -n "${SF_PYTHON_PRELOAD:-}" ] && preload=(LD_PRELOAD="$SF_PYTHON_PRELOAD" ASAN_OPTIONS=detect_leaks=0)
R_py=$(env -u SYMFLOW_LIB "${preload[@]}" PYTHONPATH="$PREFIX/lib/python3/dist-packages" "$PYTHON" -c '
import sys, symflow
lib = symflow.library()._name
assert lib.startswith(sys.argv[2]), "loaded " + lib
ds = symflow.solve(sys.argv[1], time__end=0.2, time__outputs=3)
print("%.10g" % float(ds["risk"].values[-1]))' "$ROOT/cases/tiny.yaml" "$PREFIX/lib" 2>&1)
[ -n "$R_ref" ] && [ "$R_py" = "$R_ref" ] && pass || fail "installed python symflow: R = '$R_py', symflow solve: R = '$R_ref'"
finish
