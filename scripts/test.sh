#!/usr/bin/env bash
# Set up (first run) and run FrameFan's whole test suite: lint, import boundaries, tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh" test
cd "$root"
exec "${FRAMEFAN_VENV:-$root/.venv}/bin/python" -m pytest "$@"
