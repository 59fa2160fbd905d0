#!/usr/bin/env bash
# tags.sh — every mathematical tag and section the code cites is defined in docs/ (the
# repository is self-contained; docs/README.md "How the code cites the mathematics").
#
# Checks, each failure printed as file:line:
#   1. every tag cited in the sources — M, L, I or H followed by a number, inside
#      parentheses as in "(M12)", "(M14, L3)", "(α of L4)", or after "MATH"/"MATH.md" — is
#      defined in docs/*.md, i.e. appears there in bold at the start of a line, "**(M12)**";
#   2. every section cited as "MATH §n" or "MATH.md §n.m" is a heading "§n.m" of docs/*.md;
#   3. no tag is defined twice in docs/.
# Sources: *.c *.h *.py *.sh under core/ reduction/ solver/ postproc/ app/ include/ tests/
# bench/, and cases/*.yaml, README.md, bench/README.md. Identifiers such as out.M0 or p->M0
# are not citations (a tag is not preceded by '.', '>', a letter, a digit or '_').
# Usage: bash tags.sh SYMFLOW REPO_ROOT [PYTHON] (the binary and python are not used;
# REPO_ROOT defaults to the tree this script is in). Prints "N passed, N failed".
# Only bash, grep, sed and find: no build, no network.
set -u
export LC_ALL=C
ROOT=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$ROOT" || { echo "tags.sh: cannot enter $ROOT" >&2; echo "0 passed, 1 failed"; exit 1; }
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

DOCS=(docs/*.md)
if [ ! -e "${DOCS[0]}" ]; then
    fail "docs/: no *.md file"
    echo "$passed passed, $failed failed"
    exit 1
fi

# The sources, NUL-safe into an array.
SOURCES=()
while IFS= read -r -d '' f; do SOURCES+=("$f"); done < <(
    find core reduction solver postproc app include tests bench -type f \
        \( -name '*.c' -o -name '*.h' -o -name '*.py' -o -name '*.sh' \) -print0 2>/dev/null
    find cases -type f -name '*.yaml' -print0 2>/dev/null
    for f in README.md bench/README.md; do [ -f "$f" ] && printf '%s\0' "$f"; done)
[ "${#SOURCES[@]}" -gt 0 ] && pass || fail "$ROOT: no source files found"

# ---- definitions: "**(TAG)**" at the start of a line, optionally after an HTML anchor ----
DEFS=$(grep -HnoE '^(<a id="[^"]*"></a>)?\*\*\([MLIH][0-9]+\)\*\*' "${DOCS[@]}" |
    sed -E 's/^([^:]*:[0-9]+):.*\*\*\(([MLIH][0-9]+)\)\*\*$/\2 \1/')
declare -A defined=()
while read -r tag where; do
    [ -z "$tag" ] && continue
    if [ -n "${defined[$tag]:-}" ]; then
        fail "$where: ($tag) defined again (first at ${defined[$tag]})"
    else
        defined[$tag]=$where
        pass
    fi
done <<<"$DEFS"
[ "${#defined[@]}" -gt 0 ] && pass || fail "docs/: no tag definitions (**(M1)** …)"

# ---- citations of tags ----
TAG_RE='(^|[^.>A-Za-z0-9_])([MLIH][0-9]{1,2})([^A-Za-z0-9_]|$)'
declare -A seen=()
check_tag() { # where tag
    local key="$1:$2"
    [ -n "${seen[$key]:-}" ] && return
    seen[$key]=1
    if [ -n "${defined[$2]:-}" ]; then pass; else fail "$1: ($2) is cited but not defined in docs/"; fi
}
# Parenthesised groups without nested parentheses that hold a tag-like token.
while IFS= read -r hit; do
    [[ $hit =~ ^([^:]*:[0-9]+):(.*)$ ]] || continue
    where=${BASH_REMATCH[1]}
    rest=${BASH_REMATCH[2]}
    while [[ $rest =~ $TAG_RE ]]; do
        check_tag "$where" "${BASH_REMATCH[2]}"
        rest=${rest#*"${BASH_REMATCH[0]}"}
    done
done < <(grep -HnoE '\([^()]*\)' "${SOURCES[@]}" | grep -E ':\([^()]*[MLIH][0-9]')
# "MATH L4", "MATH.md L4": a tag named with the document, outside parentheses.
while IFS= read -r hit; do
    [[ $hit =~ ^([^:]*:[0-9]+):(.*)$ ]] || continue
    check_tag "${BASH_REMATCH[1]}" "${hit##* }"
done < <(grep -HnoE 'MATH(\.md)?:? [MLIH][0-9]{1,2}\b' "${SOURCES[@]}")

# ---- citations of sections: "MATH §4.3", "MATH.md §6" ----
HEADS=$(grep -hoE '^#{1,4} §[0-9]+(\.[0-9]+)?' "${DOCS[@]}" | sed -E 's/^#+ //')
while IFS= read -r hit; do
    [[ $hit =~ ^([^:]*:[0-9]+):(.*)$ ]] || continue
    where=${BASH_REMATCH[1]}
    sec=${BASH_REMATCH[2]##*§}
    sec=${sec# }
    key="$where:§$sec"
    [ -n "${seen[$key]:-}" ] && continue
    seen[$key]=1
    if grep -qxF "§$sec" <<<"$HEADS"; then pass; else fail "$where: MATH §$sec is cited but docs/ has no section §$sec"; fi
done < <(grep -HnoE 'MATH(\.md)? ?§ ?[0-9]+(\.[0-9]+)?' "${SOURCES[@]}")

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
