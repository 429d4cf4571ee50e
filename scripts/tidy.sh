#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
# clang-tidy (.clang-tidy: every finding is an error) over the sources of the libraries and the application, with
# the dev build's compile commands (configured here if it is not yet).
#   scripts/tidy.sh [files...]     default: every .cpp under core/, ui/ and app/
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f build/dev/compile_commands.json ]] || cmake --preset dev >/dev/null
# The moc and resource sources are generated at build time; the compile commands name them.
cmake --build --preset dev --target qtwisted_core qtwisted_inspect qtwisted_ui thread-lab >/dev/null
if [[ $# -gt 0 ]]; then
    files=("$@")
else
    mapfile -t files < <(git ls-files 'core/*.cpp' 'ui/*.cpp' 'app/*.cpp')
fi
tidy=$(command -v run-clang-tidy-14 || command -v run-clang-tidy)
# Only the project's own headers are reported (HeaderFilterRegex); -quiet drops the per-file banner.
"$tidy" -p build/dev -j "$(nproc)" -quiet "${files[@]}" 2>&1 | grep -v '^[0-9]* warnings generated\.$' | tee build/dev/tidy.log
! grep -q -E 'error:|warning:' build/dev/tidy.log
