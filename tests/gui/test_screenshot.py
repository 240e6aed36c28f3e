"""``framefan-gui --screenshot``: the real window rendered offscreen into a PNG."""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtGui import QImage

from core.layout import MANIFEST_NAME

from .. import media
from .conftest import STEP_SECONDS


def _run(*args: str, tmp_path) -> subprocess.CompletedProcess[str]:
    # Without XDG_* variables, the user's folders are all under HOME, so a write to any of
    # them shows up in tmp_path.
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
    return subprocess.run(
        [sys.executable, "-m", "gui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_a_screenshot_shows_the_job_scrubbed_to_its_middle(tmp_path, step_job):
    out = tmp_path / "shot.png"
    result = _run(
        "--screenshot", str(out), "--open", str(step_job / MANIFEST_NAME), "--theme", "dark",
        "--size", "1100x700", tmp_path=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1100, 700)
    colours = {image.pixel(x, y) for x in range(0, 1100, 37) for y in range(0, 700, 23)}
    assert len(colours) > 20  # a rendered window, not a blank surface
    # Scrubbed to the middle of the stills (the last is at 7 s): 3.5 s shows second 3's still,
    # a good part of the window in grey at its level, 40 levels from its neighbours'.
    level = media.STEP_LEVELS[(STEP_SECONDS - 1) // 2]
    matching = 0
    for y in range(0, 700, 2):
        for x in range(0, 1100, 2):
            colour = image.pixelColor(x, y)
            rgb = (colour.red(), colour.green(), colour.blue())
            matching += max(rgb) - min(rgb) <= 6 and abs(sum(rgb) / 3 - level) <= 8
    assert matching * 4 > 20_000, f"{matching * 4} pixels at level {level}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shot.png"]  # no profile written


def test_a_bad_manifest_is_one_clear_line(tmp_path):
    bogus = tmp_path / "manifest.json"
    bogus.write_text("{}")
    result = _run("--screenshot", str(tmp_path / "x.png"), "--open", str(bogus), tmp_path=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("framefan-gui: Cannot open the job: ")
    assert "manifest version None is not supported" in result.stderr
    assert "Traceback" not in result.stderr
