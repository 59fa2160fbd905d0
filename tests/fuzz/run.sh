#!/usr/bin/env bash
# run.sh — build the libFuzzer targets (clang, -DSF_FUZZ=ON) in build/fuzz and run each for a
# bounded time from the seed corpus in tests/fuzz/corpus/. Exit non-zero on the first crash,
# leak, sanitizer report or timeout; the reproducer is left as build/fuzz/crash-* etc.
# Usage: tests/fuzz/run.sh [SECONDS per target, default 60]. Needs clang and Debian's
# libclang-rt-14-dev (libFuzzer and the sanitizer runtimes).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
secs=${1:-60}
build=build/fuzz
CC=${CC:-clang} cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSF_FUZZ=ON \
    -DSF_WERROR=OFF -DSF_BENCH=OFF >/dev/null
cmake --build "$build" -j2 --target fuzz_case fuzz_ncio
for target in case ncio; do
    # Fresh inputs go to a scratch corpus; the seeds in git stay as they are.
    work="$build/corpus_$target"
    mkdir -p "$work"
    echo "fuzz_$target: $secs s"
    log="$build/fuzz_$target.log"
    rc=0
    (cd "$build" && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
        LSAN_OPTIONS="suppressions=$root/tests/fuzz/lsan.supp:print_suppressions=0" \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "./tests/fuzz/fuzz_$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 "corpus_$target" "../../tests/fuzz/corpus/$target") \
        >"$log" 2>&1 || rc=$?
    cat "$log"
    [ "$rc" -eq 0 ] && continue
    # One finding is known and is not symflow's: HDF5 1.10.8 (Debian 12) loops forever reading
    # a crafted netCDF-4 file's dimension-scale attribute (H5DSget_num_scales -> H5HG_read),
    # reached from nc_inq_varndims. A timeout whose stack has libhdf5 frames below the first
    # netCDF call is reported as that and does not fail the run; anything else (a crash, a
    # leak, UB, a timeout in symflow's or netCDF's own code) does.
    if grep -q "ERROR: libFuzzer: timeout" "$log" &&
        awk '/ERROR: libFuzzer: timeout/ {s = 1} s && /libhdf5/ {h = 1}
             s && /LLVMFuzzerTestOneInput/ {f = 1; exit} END {exit !(h && f)}' "$log"; then
        echo "fuzz_$target: KNOWN LIMITATION: a timeout inside libhdf5 (HDF5 loops on a crafted" \
             "netCDF-4 file; not symflow code); reproducer kept as $build/timeout-*" >&2
        continue
    fi
    exit "$rc"
done
