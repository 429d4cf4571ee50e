#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
# The README's run command: installs what is missing, builds Release and launches Thread Lab.
# Arguments are passed to thread-lab (e.g. --scenario lesson-resize-under-load, --headless, --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target thread-lab
app=build/release/app/thread-lab
headless=0
for a in "$@"; do
    case "$a" in --headless|--help|-h|--version|-v|--list-scenarios) headless=1 ;; esac
done
if [[ $headless -eq 0 && -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
    cat >&2 <<'MSG'
No display found (DISPLAY/WAYLAND_DISPLAY unset). Either
  - run it on a desktop session, or
  - use a virtual display:  sudo apt-get install -y xvfb && xvfb-run -a scripts/run-thread-lab.sh
  - or run a scenario without a window:  scripts/run-thread-lab.sh --headless --scenario howto-deferToThread
MSG
    exit 2
fi
exec "$app" "$@"
