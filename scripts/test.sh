#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
# The README's test command: installs what is missing, configures, builds and runs every test suite with CTest.
#   scripts/test.sh [preset]      preset: dev (default), release, asan, tsan, tsan-noise, stress, fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-dev}"
case "$preset" in
    asan|tsan|tsan-noise|fuzz) scripts/install-deps.sh --all ;;
    *) scripts/install-deps.sh ;;
esac
configure="$preset"
[[ "$preset" == "stress" ]] && configure=dev
cmake --preset "$configure"
if [[ "$preset" == "fuzz" ]]; then
    # Only the fuzz targets: clang 14 cannot build coroutine code with libFuzzer's coverage instrumentation
    # ("cannot represent a difference across sections"), and the other suites run in the other lanes.
    cmake --build --preset fuzz --target fuzz_scenario fuzz_traceimport
else
    cmake --build --preset "$configure"
fi
ctest --preset "$preset"
