"""The installed app: its size, and how fast it starts, against the same app run from sources.

Needs a built app (``scripts/build-installer.sh``; by default ``dist/FrameFan``). Prints:

- the size of the app folder (files, links not counted twice) and of the archive next to it,
  by what takes the space;
- medians over ``--runs`` launches (after one launch not counted) of
  (a) ``FrameFan --version``: the bundle's fixed cost (loader, Python, no Qt);
  (b) ``FrameFan --screenshot``: launch → window shown, painted and saved as PNG (the PNG's
      write time; an upper bound on "window shown", as the screenshot first waits for the
      window to be idle for 0.25 s), and launch → exit;
  (c) with Xvfb and xdotool installed: the real window on an X server (the bundled xcb
      plugin), launch → window mapped, as a person would see it; and the same with the
      files it reads first dropped from the page cache (a first launch after a reboot);
  each next to the same launch from the source checkout's virtualenv (``python -m
  gui.launcher``), measured in the same run, interleaved.

Bundle launches get a clean environment: an empty PATH, an empty HOME.

usage: python bench/bundle_startup.py [--app dist/FrameFan] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 2**20


# -- size ------------------------------------------------------------------------------------


def category(rel: str) -> str:
    name = rel.rsplit("/", 1)[-1]
    if rel.startswith("ffmpeg/"):
        return "ffmpeg"
    if name.startswith(("libicu", "icu")):
        return "ICU (Unicode data, needed by QtCore)"
    if "/plugins/" in rel:
        return "Qt plugins"
    if "/translations/" in rel:
        return "Qt translations"
    if rel.startswith("PySide6/Qt/lib/") or name.startswith(("libQt6", "Qt6")):
        return "Qt libraries (Core, Gui, Widgets, DBus, XcbQpa, Wayland, Svg)"
    if rel.startswith(("PySide6/", "shiboken6/")) or name.startswith(("libpyside6", "libshib")):
        return "PySide6 / shiboken bindings"
    if name.startswith("libpython") or rel.startswith(("python3", "base_library")):
        return "Python runtime"
    if rel.startswith(("botocore/", "boto3/")):
        return "boto3 / botocore"
    if ".so" in name or name.endswith((".dll", ".dylib")):
        return "other shared libraries (X11/xcb, glib, fontconfig, OpenSSL, …)"
    return "everything else (Python packages' data, …)"


def sizes(app: Path) -> tuple[int, dict[str, int]]:
    internal = app / "_internal"
    by_kind: dict[str, int] = {}
    total = 0
    for path in app.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        size = path.stat().st_size
        total += size
        if path.parent == app:
            kind = "the FrameFan program (loader + all Python code, compiled)"
        else:
            kind = category(path.relative_to(internal).as_posix())
        by_kind[kind] = by_kind.get(kind, 0) + size
    return total, by_kind


# -- launches --------------------------------------------------------------------------------


def bundle_env(home: Path, **extra: str) -> dict[str, str]:
    empty = home / "empty-path"
    empty.mkdir(exist_ok=True)
    return {"PATH": str(empty), "HOME": str(home), "LANG": "C.UTF-8", **extra}


def source_env(home: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    return {**keep, "HOME": str(home), **extra}


def time_exit(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)
    return time.perf_counter() - began


def time_screenshot(command: list[str], env: dict[str, str], png: Path) -> tuple[float, float]:
    png.unlink(missing_ok=True)
    began_wall, began = time.time(), time.perf_counter()
    subprocess.run(
        [*command, "--screenshot", str(png)], env=env, check=True, capture_output=True, timeout=120
    )
    exited = time.perf_counter() - began
    return png.stat().st_mtime - began_wall, exited


def time_x11_window(command: list[str], env: dict[str, str], display: str) -> float:
    """Launch → the main window mapped on ``display``; then the app is asked to quit."""
    with tempfile.TemporaryFile() as log:
        began = time.perf_counter()
        app = subprocess.Popen(command, env={**env, "DISPLAY": display}, stdout=log, stderr=log)
        try:
            while True:
                found = subprocess.run(
                    ["xdotool", "search", "--onlyvisible", "--name", "^FrameFan$"],
                    env={"DISPLAY": display},
                    capture_output=True,
                )
                if found.returncode == 0:
                    return time.perf_counter() - began
                if app.poll() is not None or time.perf_counter() - began > 60:
                    log.seek(0)
                    raise RuntimeError(f"no window: {log.read().decode()[-2000:]}")
                time.sleep(0.01)
        finally:
            app.terminate()  # the window closes the normal way on SIGTERM
            app.wait(30)


def evict(folder: Path) -> None:
    """Drop ``folder``'s files from the page cache, so the next launch reads them from disk
    as the first one after unpacking or a reboot does (other files' caching is untouched)."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


class Xvfb:
    def __init__(self) -> None:
        self.display = f":{90 + os.getpid() % 100}"
        self.proc = subprocess.Popen(
            ["Xvfb", self.display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp", "-noreset"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


# -- report ----------------------------------------------------------------------------------


def measure(label: str, runs: int, bundle: Callable[[], float], source: Callable[[], float]):
    bundle(), source()  # not counted: the first launch after a build reads files from disk
    got: dict[str, list[float]] = {"bundle": [], "source": []}
    for _ in range(runs):
        got["bundle"].append(bundle())
        got["source"].append(source())
    b, s = statistics.median(got["bundle"]), statistics.median(got["source"])
    spread = f"{min(got['bundle']):.2f}–{max(got['bundle']):.2f}"
    print(f"{label:44} bundle {b:6.2f} s ({spread})  source {s:6.2f} s  ratio {b / s:4.2f}")


def report_sizes(app: Path) -> None:
    total, by_kind = sizes(app)
    print(f"\napp folder {app}: {total / MIB:.1f} MiB")
    for kind, size in sorted(by_kind.items(), key=lambda item: -item[1]):
        print(f"  {size / MIB:7.1f} MiB  {kind}")
    for archive in sorted(app.parent.glob(f"{app.name}-*.*")):
        print(f"archive {archive.name}: {archive.stat().st_size / MIB:.1f} MiB")


def report_screenshots(program: Path, source: list[str], runs: int, home: Path) -> None:
    png = home / "shot.png"
    exits: dict[str, list[float]] = {"bundle": [], "source": []}

    def shot(kind: str, command: list[str], env: dict[str, str]) -> Callable[[], float]:
        def run() -> float:
            shown, exited = time_screenshot(command, env, png)
            exits[kind].append(exited)
            return shown

        return run

    measure(
        "--screenshot: launch → window saved as PNG",
        runs,
        shot("bundle", [str(program)], bundle_env(home)),
        shot("source", source, source_env(home)),
    )
    b, s = statistics.median(exits["bundle"][1:]), statistics.median(exits["source"][1:])
    print(f"{'--screenshot: launch → exit':44} bundle {b:6.2f} s{'':18}source {s:6.2f} s")


def report_x11(app: Path, program: Path, source: list[str], runs: int, home: Path) -> None:
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        print("(Xvfb or xdotool missing: no real-window figures)")
        return
    xvfb = Xvfb()
    try:
        measure(
            "X11 (Xvfb): launch → window mapped",
            runs,
            lambda: time_x11_window([str(program)], bundle_env(home), xvfb.display),
            lambda: time_x11_window(source, source_env(home), xvfb.display),
        )
        cold: dict[str, list[float]] = {"bundle": [], "source": []}
        for _ in range(3):
            evict(app)
            cold["bundle"].append(time_x11_window([str(program)], bundle_env(home), xvfb.display))
            for folder in source_files():
                evict(folder)
            cold["source"].append(time_x11_window(source, source_env(home), xvfb.display))
    finally:
        xvfb.stop()
    b, s = statistics.median(cold["bundle"]), statistics.median(cold["source"])
    spread = f"{min(cold['bundle']):.2f}–{max(cold['bundle']):.2f}"
    label = "X11, files not in the page cache (3 runs)"
    print(f"{label:44} bundle {b:6.2f} s ({spread})  source {s:6.2f} s  ratio {b / s:4.2f}")


def source_files() -> list[Path]:
    """What a launch from the sources reads: the checkout's code, Python's standard library,
    the virtualenv's packages (Qt among them)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    site = Path(sysconfig.get_paths()["purelib"])
    return [ROOT / "core", ROOT / "gui", stdlib, site]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", type=Path, default=ROOT / "dist" / "FrameFan")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    app = args.app.resolve()
    program = app / ("FrameFan.exe" if sys.platform == "win32" else "FrameFan")
    if not program.is_file():
        print(f"no app at {app}: build it with scripts/build-installer.sh", file=sys.stderr)
        return 1
    source = [sys.executable, "-m", "gui.launcher"]

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    report_sizes(app)
    print(f"\nmedians of {args.runs} launches (range of the bundle's):")
    with tempfile.TemporaryDirectory(prefix="framefan-bench-") as scratch:
        home = Path(scratch)
        measure(
            "--version",
            args.runs,
            lambda: time_exit([str(program), "--version"], bundle_env(home)),
            lambda: time_exit([*source, "--version"], source_env(home)),
        )
        report_screenshots(program, source, args.runs, home)
        report_x11(app, program, source, args.runs, home)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
