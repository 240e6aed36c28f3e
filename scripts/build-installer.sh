#!/usr/bin/env bash
# Build the FrameFan desktop app for this system with PyInstaller (build.spec):
#   dist/FrameFan/                                    the app folder (run dist/FrameFan/FrameFan)
#   dist/FrameFan-<version>-<system>-<machine>.tar.gz  the archive to hand out
# The build runs in a virtualenv of its own (build/venv) holding only what the app needs and
# PyInstaller, so nothing from a development environment can slip into the bundle.
#
# usage: scripts/build-installer.sh [DIST_DIR]     (default: dist/)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="$(mkdir -p "${1:-$root/dist}" && cd "${1:-$root/dist}" && pwd)"
export FRAMEFAN_VENV="${FRAMEFAN_BUILD_VENV:-$root/build/venv}"

"$root/scripts/bootstrap.sh" build
cd "$root"
exec "$FRAMEFAN_VENV/bin/python" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$dist" --workpath "$root/build/pyinstaller" build.spec
