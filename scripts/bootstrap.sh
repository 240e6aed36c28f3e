#!/usr/bin/env bash
# Prepare a FrameFan development environment in .venv: system libraries Qt needs (Debian),
# then the package with the requested extras. Re-running is cheap: nothing is reinstalled
# unless pyproject.toml changed.
#
# usage: scripts/bootstrap.sh [EXTRAS]     e.g. scripts/bootstrap.sh test
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
extras="${1:-}"
venv="${FRAMEFAN_VENV:-$root/.venv}"
python="${PYTHON:-python3}"

say() { printf '==> %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else return 1
    fi
}

# Shared libraries the Qt wheels load (offscreen and X11/Wayland), and venv support.
debian_packages=(
    libgl1 libegl1 libfontconfig1 libdbus-1-3 libglib2.0-0 libxkbcommon0 libxkbcommon-x11-0
    libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0
    libxcb-image0 libxcb-xinerama0 libxcb-randr0
)

install_debian_packages() {
    command -v dpkg-query >/dev/null 2>&1 || return 0
    local missing=()
    for pkg in "${debian_packages[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing system packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
        && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || say "could not install ${missing[*]} (no root?); continuing"
}

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "FrameFan needs Python 3.11 or newer as '$python' (set PYTHON=...)" >&2
    exit 1
fi

extra_packages=()
"$python" -c 'import ensurepip, venv' 2>/dev/null || extra_packages+=("python3-venv")
case ",$extras," in *,test,*)
    # `sam build` runs make for the Lambda artifacts (infra/*/Makefile); the menu entry's
    # tests check it with desktop-file-validate and start it with GLib's `gio launch`; the
    # file manager and notification tests run a private D-Bus (dbus-daemon) with desktop
    # services written with GLib's Python bindings, and notify with GLib's `gdbus`.
    command -v make >/dev/null 2>&1 || extra_packages+=("make")
    extra_packages+=("desktop-file-utils" "libglib2.0-bin" "dbus" "python3-gi"
        "gir1.2-glib-2.0")
    # The exported web page is tested in a real browser.
    extra_packages+=("chromium" "chromium-driver")
    ;;
esac
install_debian_packages "${extra_packages[@]}"

if [ ! -x "$venv/bin/python" ]; then
    say "creating $venv"
    "$python" -m venv "$venv"
fi

spec="$root"
[ -n "$extras" ] && spec="$root[$extras]"
stamp="$venv/.framefan-installed"
want="$(sha256sum < "$root/pyproject.toml" | cut -d' ' -f1) $extras"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing FrameFan ($spec) into $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec"
    echo "$want" > "$stamp"
fi

# The AWS SAM CLI pins versions of click, boto3 and others that clash with the dev tools, so
# it lives in a venv of its own inside the main one ($venv/sam/bin/sam), for the build test.
case ",$extras," in
*,test,*)
    sam_venv="$venv/sam"
    sam_want="aws-sam-cli>=1.120"
    if [ ! -x "$sam_venv/bin/sam" ] || [ "$(cat "$sam_venv/.framefan-installed" 2>/dev/null)" != "$sam_want" ]; then
        say "installing the AWS SAM CLI into $sam_venv"
        "$python" -m venv "$sam_venv"
        "$sam_venv/bin/python" -m pip install --quiet --disable-pip-version-check "$sam_want"
        echo "$sam_want" > "$sam_venv/.framefan-installed"
    fi
    ;;
esac
