#!/usr/bin/env bash
# Set up (first run) and launch the FrameFan desktop app.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh" ""
exec "${FRAMEFAN_VENV:-$root/.venv}/bin/framefan-gui" "$@"
