"""The installed app: built with the documented command, unpacked from its archive, and run
as an editor would, in a clean environment (no Python or virtualenv on PATH, an empty HOME).

The build takes about a minute; it runs once per set of sources and is kept under
``build/installer-test/`` (a fresh checkout, as in CI, always builds).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

import pytest
from PIL import Image

from core import __version__
from core.cloud.sim.emulator import CloudSim
from core.cloud.sim.template import default_template
from core.manifest import DONE, Manifest

from . import media, systems

pytestmark = [pytest.mark.slow, systems.linux_bundle]

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "build" / "installer-test"
BUILD_COMMAND = ["bash", str(ROOT / "scripts" / "build-installer.sh")]
# Everything the bundle is made from; a change to any of them means a new build.
SOURCES = ("build.spec", "pyproject.toml", "scripts/*.sh", "scripts/*.py", "core/**/*.py",
           "gui/**/*.py", "resources/**/*", "infra/template.yaml",
           "LICENSE", "LICENSES/*")  # fmt: skip
MAX_UNPACKED = 400 * 2**20
UNUSED_QT = ("Qml", "Quick", "WebEngine", "Pdf", "Multimedia", "3D", "OpenGL")

CLIP = media.Spec("installer-6s.mp4", "testsrc2=s=320x180:r=25:d=6")


def _sources_key() -> str:
    digest = hashlib.sha256()
    files = sorted({p for pattern in SOURCES for p in ROOT.glob(pattern) if p.is_file()})
    for path in files:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def archive() -> Path:
    """The archive ``scripts/build-installer.sh`` makes from the current sources."""
    dist = CACHE / _sources_key()
    built = dist / "built"
    if not built.exists():
        shutil.rmtree(CACHE, ignore_errors=True)  # one build kept: each is ~400 MB
        result = subprocess.run(
            [*BUILD_COMMAND, str(dist)], capture_output=True, text=True, timeout=1800
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
        built.touch()
    found = list(dist.glob(f"FrameFan-{__version__}-*.tar.gz"))
    assert len(found) == 1, f"expected one archive in {dist}, found {found}"
    return found[0]


@pytest.fixture(scope="session")
def app(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``FrameFan`` program of the archive, unpacked as an editor would."""
    folder = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="tar")
    return folder / "FrameFan" / "FrameFan"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """An editor's environment with nothing of this checkout: PATH holds no Python (an empty
    folder: the app needs no other program), HOME is empty, no display."""
    empty = home.parent / "empty-path"
    empty.mkdir(exist_ok=True)
    return {"PATH": str(empty), "HOME": str(home), "LANG": "C.UTF-8", **extra}


def run(app: Path, *args: str, env: dict[str, str], timeout: float = 180):
    return subprocess.run(
        [str(app), *args],
        env=env,
        cwd=env["HOME"],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def test_version_runs_without_python_on_path(app, home):
    env = clean_env(home)
    assert shutil.which("python3", path=env["PATH"]) is None
    result = run(app, "--version", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"FrameFan {__version__}\n"


def test_selftest_processes_a_clip_and_shows_it_in_the_window(app, home):
    result = run(app, "--selftest", env=clean_env(home))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    bundled_ffmpeg = app.parent / "_internal" / "ffmpeg" / "ffmpeg"
    assert f"at {bundled_ffmpeg}" in lines[1]  # the bundled copy, found by the one lookup
    assert lines[2:] == [
        "ok   generated a 4 s test clip",
        "ok   processed it: done",
        "ok   manifest, GIFs and stills check out",
        "ok   opened it in the window (offscreen): still painted, GIF decoded",
        "ok   the platform plugin for this system's windows loads",
        "self-test passed",
    ]
    assert list(home.iterdir()) == []  # no settings, queue or log of the user's touched


@pytest.mark.parametrize(
    ("damage", "failure"),
    [
        ("PySide6/Qt/plugins/imageformats/libqgif.so", "FAIL the snippet's GIF was not decoded"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "FAIL the xcb platform plugin does not load"),
    ],
)
def test_selftest_fails_on_a_damaged_installation(app, home, tmp_path, damage, failure):
    if not sys.platform.startswith("linux"):
        pytest.skip("names Linux's Qt plugin files")
    copy = tmp_path / "FrameFan"
    shutil.copytree(app.parent, copy, symlinks=True, copy_function=os.link)
    broken = copy / "_internal" / damage
    broken.unlink()
    broken.write_bytes(b"not a plugin")
    result = run(copy / "FrameFan", "--selftest", env=clean_env(home))
    assert result.returncode == 1
    assert failure in result.stdout, result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_command_line_and_window_from_the_bundle(app, home, make_video):
    clip = make_video(CLIP)
    env = clean_env(home)
    result = run(app, "process", "--json", "--snippet-seconds", "2", "--out", "out", str(clip),
                 env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    manifest_path = home / record["manifest"]  # as printed: relative to where it ran
    manifest = Manifest.load(manifest_path)
    assert record["status"] == manifest.status == DONE
    assert len(manifest.snippets) == 3 and len(manifest.frames) == 6

    shot = home / "shot.png"
    result = run(app, "--screenshot", str(shot), "--open", str(manifest_path),
                 "--size", "1100x700", env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    with Image.open(shot) as image:  # read without Qt: this process's Qt is not under test
        assert image.size == (1100, 700)
        pixels = image.convert("RGB")
        colours = {pixels.getpixel((x, y)) for x in range(0, 1100, 37) for y in range(0, 700, 23)}
    assert len(colours) > 20  # a painted window, with the job's stills in it
    shutil.copy(shot, CACHE / "screenshot.png")  # for a person to look at


def test_exports_from_the_bundle(app, home, make_video):
    """Pillow, OpenTimelineIO's adapters (found through their package metadata and loaded
    from their files) and the web page's resources all ship in the bundle."""
    env = clean_env(home)
    result = run(app, "process", "--json", "--snippet-seconds", "2", "--out", "out",
                 str(make_video(CLIP)), env=env)  # fmt: skip
    job = (home / json.loads(result.stdout)["manifest"]).parent
    (job / "marks.json").write_text(
        json.dumps({"version": 1, "marks": [{"start": 1.0, "end": 3.0, "name": "Take A"}]})
    )
    for args in (
        ["contact-sheet", str(job), "-o", "sheet.pdf"],
        ["markers", str(job), "-o", "selects.edl"],
        ["markers", str(job), "-o", "selects.fcpxml"],
        ["markers", str(job), "-o", "selects.otio"],
        ["web", str(job), "-o", "review"],
        ["gif", str(job), "--from", "1", "--to", "2", "--max-bytes", "50k", "-o", "a.gif"],
    ):
        exported = run(app, "export", *args, env=env)
        assert exported.returncode == 0, exported.stderr
    assert "Take A" in (home / "selects.edl").read_text()
    assert (home / "review" / "player.js").is_file()
    assert (home / "sheet.pdf").read_bytes().startswith(b"%PDF-")


def test_a_second_launch_hands_a_video_to_the_bundles_open_window(app, home, make_video):
    """``FrameFan VIDEO`` (a file manager's "Open with") while the window is open: the video
    goes to that window, through the bundle's local socket (QtNetwork)."""
    clip = make_video(CLIP)
    runtime = home.parent / "run"
    runtime.mkdir(mode=0o700)
    env = clean_env(home, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime))
    log = home / ".local" / "state" / "FrameFan" / "log" / "framefan.log"
    window = subprocess.Popen(
        [str(app)], env=env, cwd=home, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "window open" not in (log.read_text() if log.exists() else ""):
            assert window.poll() is None and time.monotonic() < deadline, "no window"
            time.sleep(0.1)
        second = run(app, str(clip), env=env, timeout=60)
        assert second.returncode == 0, second.stderr
        assert second.stdout == "FrameFan: handed 1 path to the FrameFan window already open\n"
        queue = home / ".local" / "share" / "FrameFan" / "queue.json"
        while str(clip) not in (queue.read_text() if queue.exists() else ""):
            assert time.monotonic() < deadline, "the window did not take the video"
            time.sleep(0.1)
        window.send_signal(signal.SIGTERM)
        assert window.wait(timeout=60) == 0
    finally:
        if window.poll() is None:
            window.kill()
            window.wait()


def test_errors_are_one_line_with_the_command_lines_exit_statuses(app, home):
    env = clean_env(home)
    missing = run(app, "process", "missing.mp4", env=env)
    assert missing.returncode == 1
    assert "missing.mp4: file not found" in missing.stdout
    unknown = run(app, "no-such-command", env=env)
    assert unknown.returncode == 2
    assert "invalid choice: 'no-such-command'" in unknown.stderr
    no_display = run(app, env=env)
    assert no_display.returncode == 1
    assert no_display.stderr.startswith("FrameFan: no display to open the window on")
    emulator = run(app, "cloud-sim", env=env)  # a development tool, not shipped
    assert emulator.returncode == 1
    assert emulator.stderr.startswith("framefan: cloud-sim needs the emulator's packages")
    for result in (missing, unknown, no_display, emulator):
        assert "Traceback" not in result.stdout + result.stderr
        assert len(result.stderr.splitlines()) <= 2, result.stderr


def test_lambda_backend_from_the_bundle(app, home, make_video, tmp_path):
    """The bundled AWS SDK (with only the service descriptions kept) against the emulator."""
    clip = make_video(CLIP)
    with CloudSim(default_template(), stack="bundle-stack", workers=2, retry_delay=1) as sim:
        env = clean_env(
            home,
            AWS_ENDPOINT_URL=sim.endpoint,
            AWS_ACCESS_KEY_ID="editor",
            AWS_SECRET_ACCESS_KEY="editor-secret",
            AWS_REGION="us-east-1",
        )
        result = run(app, "process", "--backend", "lambda", "--stack", "bundle-stack", "--json",
                     "--snippet-seconds", "2", "--out", "out", str(clip), env=env)  # fmt: skip
        sim.wait_idle(timeout=120)
    assert result.returncode == 0, result.stderr
    manifest = Manifest.load(home / json.loads(result.stdout)["manifest"])
    assert manifest.backend == "lambda"
    assert manifest.status == DONE and len(manifest.snippets) == 3


def test_bundle_is_lean(app):
    folder = app.parent
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    size = sum(p.stat().st_size for p in files)
    assert size < MAX_UNPACKED, f"{size / 2**20:.0f} MiB"
    names = [p.relative_to(folder).as_posix() for p in files]
    unused = [n for n in names if any(f"Qt6{m}" in n or f"/Qt{m}" in n for m in UNUSED_QT)]
    assert unused == []
    assert not [n for n in names if n.startswith(("_internal/moto/", "_internal/cryptography/"))]
    assert not [n for n in names if "imageio_ffmpeg" in n]  # one ffmpeg, not two
    assert os.access(folder / "_internal" / "ffmpeg" / "ffmpeg", os.X_OK)
    assert [p for p in folder.rglob("*") if p.is_symlink() and not p.exists()] == []


def test_bundle_talks_to_the_desktop(app):
    """Qt's D-Bus module ships: the window asks the desktop's file manager to show a job's
    folder through it (gui.platform.file_manager)."""
    internal = app.parent / "_internal"
    assert list((internal / "PySide6").glob("QtDBus.*"))
    assert list(internal.rglob("libQt6DBus.so*"))


def test_bundle_carries_licence_notices(app):
    folder = app.parent
    assert (folder / "LICENSE.txt").read_bytes() == (ROOT / "LICENSE").read_bytes()
    notices = (folder / "THIRD-PARTY-NOTICES.txt").read_text(encoding="utf-8")
    summary, _, texts = notices.partition("=" * 78)
    # Every runtime dependency ships; imageio-ffmpeg only as the ffmpeg binary it provides.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    shipped = [re.split(r"[<>=!\[ ;]", d)[0] for d in project["dependencies"]]
    entries = [line.split()[0] for line in summary.splitlines() if line.startswith("  ")]
    listed = {name.lower().replace("_", "-") for name in entries}
    assert {"ffmpeg", "python", "pyinstaller"} | {
        name.lower() for name in shipped if name != "imageio-ffmpeg"
    } <= listed
    # ffmpeg is GPL: its notice, its build configuration and the licence's full text ship.
    ffmpeg_part = texts[: texts.index("=" * 78)]
    assert "--enable-gpl" in ffmpeg_part
    assert "GNU General Public License" in ffmpeg_part
    assert "TERMS AND CONDITIONS" in ffmpeg_part
    # The Qt for Python wheels carry no text of their own: the LGPL's is added.
    assert notices.count("GNU LESSER GENERAL PUBLIC LICENSE") >= 2  # PySide6 and shiboken6


def test_add_to_menu_from_the_bundle(app, home):
    data = home / "data"
    result = run(app, "--add-to-menu", env=clean_env(home, XDG_DATA_HOME=str(data)))
    assert result.returncode == 0, result.stderr
    entry = (data / "applications" / "framefan.desktop").read_text()
    assert f"\nExec={app} %F\n" in entry  # the unpacked program itself, wherever it was put
    assert (data / "icons" / "hicolor" / "256x256" / "apps" / "framefan.png").stat().st_size
