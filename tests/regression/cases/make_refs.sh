#!/bin/bash
# make_refs.sh — regenerate the references of tests/python/test_cases_regression.py.
#
# Usage (from anywhere):  tests/regression/cases/make_refs.sh [NAME...]
#   SYMFLOW=path/to/symflow (default: build/dev/app/symflow of this checkout).
# Runs every entry of manifest.json (or only NAME...) as
#   symflow solve CASE -o OUT --set ... --quiet        (working directory: the source root)
# and copies OUT, values bit for bit, to tests/regression/cases/NAME.nc with the command, the
# commit, the date and the tolerance as attributes regression_*.
#
# Only after a deliberate change of results: the references are what refactorings are checked
# against. Say in the commit message why the numbers moved and by how much (run the test
# against the old references first: it prints the worst relative L1/Linf per entry).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$root"
export SYMFLOW=${SYMFLOW:-$root/build/dev/app/symflow}
exec /usr/bin/python3 tests/python/test_cases_regression.py --make-refs "$@"
