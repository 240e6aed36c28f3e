"""The window with a job's marks and a context menu open, rendered offscreen into a PNG (the
README's picture of the marks panel). ``framefan-gui --screenshot`` cannot show a menu: a
menu is a window of its own, drawn here onto the main window's picture where it opens.

usage: python scripts/menu_screenshot.py OUT.png JOB_DIR [--at T] [--in T --out T]
           [--menu still|gif|timeline|none] [--select N]

The job's own marks (its marks.json) are shown; the window runs on a scratch profile whose
processing settings are the job's, so its row reads as an up-to-date job.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainter

from core.layout import MANIFEST_NAME
from core.manifest import Manifest
from gui.app import make_app
from gui.appdirs import AppDirs
from gui.event_loop import make_event_loop
from gui.offscreen import _settle
from gui.theme import apply_theme
from gui.user_settings import SettingsStore, UserSettings


async def shoot(args: argparse.Namespace, dirs: AppDirs) -> None:
    from gui.main_window import MainWindow

    window = MainWindow(dirs)
    window.resize(1280, 800)
    window.show()
    await window.open_job(args.job / MANIFEST_NAME)
    await _settle(window)
    preview, marks, exports = window.preview, window.tools.marks, window.tools.exports
    for t, command in ((args.in_point, "set_in"), (args.out_point, "set_out")):
        if t is not None:
            preview.set_position(t)
            marks.run_command(command)
    preview.set_position(args.at)
    if args.select is not None:
        marks.panel.list.setCurrentRow(args.select)
    await _settle(window)
    timeline = preview.timeline
    # The timeline's menu opens on the playhead's mark in the lane below the filmstrip.
    on_mark = QPointF(timeline.x_of(args.at), timeline.lane_rect().center().y())
    where = {
        "still": (preview.frame_view, exports.still_menu, QPointF(330, 120)),
        "gif": (preview.gif_view.screen, exports.gif_menu, QPointF(60, 60)),
        "timeline": (timeline, exports.timeline_menu, on_mark),
    }
    picture = window.grab().toImage()
    if args.menu != "none":
        widget, open_menu, point = where[args.menu]
        menu = open_menu(widget.mapToGlobal(point.toPoint()), point)
        await asyncio.sleep(0.3)
        picture = window.grab().toImage()
        painter = QPainter(picture)
        painter.drawImage(window.mapFromGlobal(menu.pos()), menu.grab().toImage())
        painter.end()
        menu.close()
    picture.save(str(args.out))
    closed = asyncio.get_running_loop().create_future()
    window.closed.connect(lambda: closed.done() or closed.set_result(None))
    window.close()
    await closed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("job", type=Path)
    parser.add_argument("--at", type=float, default=0.0)
    parser.add_argument("--in", dest="in_point", type=float)
    parser.add_argument("--out", dest="out_point", type=float)
    parser.add_argument("--menu", choices=("still", "gif", "timeline", "none"), default="still")
    parser.add_argument("--select", type=int, help="the mark selected in the panel")
    parser.add_argument("--theme", default="dark")
    args = parser.parse_args()
    app = make_app([])
    apply_theme(app, args.theme)
    app.setQuitOnLastWindowClosed(False)
    loop = make_event_loop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory(prefix="framefan-shot-") as scratch:
        dirs = AppDirs.under(Path(scratch))
        job_settings = Manifest.load(args.job / MANIFEST_NAME).settings
        SettingsStore(dirs.settings_file).save(UserSettings(processing=job_settings))
        with loop:
            loop.run_until_complete(shoot(args, dirs))
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
