#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
# Installs the Debian/Ubuntu packages qtwisted needs, only those missing.
#   scripts/install-deps.sh            build + tests (Qt 6, CMake, Ninja, g++, Python for the trace checker, Twisted
#                                      for the differential test against it)
#   scripts/install-deps.sh --all      also the sanitizer lanes (clang + runtimes), clang-format, clang-tidy, Xvfb and
#                                      Doxygen for the API reference (`docs` target)
set -euo pipefail

packages=(cmake ninja-build g++ qt6-base-dev qt6-base-dev-tools libqt6test6 qt6-qpa-plugins libgl-dev python3
    python3-twisted)
if [[ "${1:-}" == "--all" ]]; then
    packages+=(clang libclang-rt-14-dev clang-format clang-tidy xvfb xauth imagemagick doxygen)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "Installing: ${missing[*]}"
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
