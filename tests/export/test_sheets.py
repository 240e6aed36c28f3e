"""Contact sheets and seek-bar sprites, built from the job's stored stills."""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from core.errors import UsageError
from core.export import ExportJob, export_contact_sheet, export_sprites, open_job
from core.export.contact_sheet import sheet_tiles
from core.export.sprites import MAX_SHEET_PIXELS, VTT_NAME, plan_cues
from core.marks import Mark, MarkSet

from .. import media
from .conftest import run

CUE_RE = re.compile(
    r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n"
    r"(sprite-\d{3}\.jpg)#xywh=(\d+),(\d+),(\d+),(\d+)$"
)


def parse_vtt(path: Path) -> list[tuple[int, int, str, tuple[int, int, int, int]]]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\n\n")
    cues = []
    for block in text[len("WEBVTT\n\n") :].strip().split("\n\n"):
        match = CUE_RE.match(block)
        assert match, block
        g = [int(x) if x.isdigit() else x for x in match.groups()]
        start = ((g[0] * 60 + g[1]) * 60 + g[2]) * 1000 + g[3]
        end = ((g[4] * 60 + g[5]) * 60 + g[6]) * 1000 + g[7]
        cues.append((start, end, str(g[8]), (g[9], g[10], g[11], g[12])))
    return cues


def test_contact_sheet_labels_tiles_with_source_timecode(job: ExportJob, tmp_path: Path) -> None:
    tiles = sheet_tiles(job, every=2.0)
    assert [t.caption for t in tiles] == [
        "01:00:00:00", "01:00:02:00", "01:00:04:00", "01:00:06:00",
    ]  # fmt: skip
    result = run(export_contact_sheet(job, tmp_path / "sheet.png", columns=2, every=2.0))
    assert result.tiles == 4 and result.pages == 1
    with Image.open(result.path) as sheet:
        assert sheet.size == (result.width, result.height)
        # Two columns of 320 px tiles side by side, with margins.
        assert 640 < sheet.width < 760


@pytest.mark.parametrize("suffix", [".jpg", ".pdf"])
def test_contact_sheet_formats(job: ExportJob, tmp_path: Path, suffix: str) -> None:
    result = run(export_contact_sheet(job, tmp_path / f"sheet{suffix}", count=8))
    assert result.tiles == 8
    head = result.path.read_bytes()[:5]
    assert head == b"%PDF-" if suffix == ".pdf" else head[:3] == b"\xff\xd8\xff"


def test_contact_sheet_pdf_has_pages(job: ExportJob, tmp_path: Path) -> None:
    result = run(export_contact_sheet(job, tmp_path / "s.pdf", columns=1, every=1.0))
    assert result.tiles == 8 and result.pages == 2  # six rows a page
    assert len(re.findall(rb"/Type\s*/Page(?!s)", result.path.read_bytes())) == 2


def test_contact_sheet_of_marks(job_dir: Path, tmp_path: Path) -> None:
    marks = MarkSet.load(job_dir)
    marks.add(Mark(2.0, 5.0, "Take A"))
    marks.add(Mark(6.0, None, "Flash", "check exposure"))
    marks.save()
    job = open_job(job_dir)
    tiles = sheet_tiles(job, marks=True)
    assert [(t.caption, t.detail) for t in tiles] == [
        ("Take A", "01:00:02:00 - 01:00:05:00"),
        ("Flash", "01:00:06:00"),
    ]
    result = run(export_contact_sheet(job, tmp_path / "marks.png", marks=True))
    assert result.tiles == 2


def test_contact_sheet_tile_shows_its_second(job: ExportJob, tmp_path: Path) -> None:
    result = run(export_contact_sheet(job, tmp_path / "one.png", columns=1, count=1))
    (tile,) = sheet_tiles(job, count=1)
    with Image.open(result.path) as sheet:
        # The tile's picture: below the header, inside the margins.
        picture = sheet.crop((24, 102 + 10, 24 + 320 - 10, 102 + 240 - 10))
        expected = media.STEP_LEVELS[int(tile.time)]
        assert abs(ImageStat.Stat(picture.convert("L")).mean[0] - expected) < 14


def test_sprites_tile_the_whole_video(job: ExportJob, tmp_path: Path) -> None:
    result = run(export_sprites(job, tmp_path / "sprites", every=3.0, width=100))
    cues = parse_vtt(tmp_path / "sprites" / VTT_NAME)
    assert cues[0][0] == 0
    assert cues[-1][1] == round(job.duration * 1000)
    for before, after in itertools.pairwise(cues):
        assert before[1] == after[0]  # no gap, no overlap
    for _, _, sheet, (x, y, w, h) in cues:
        with Image.open(tmp_path / "sprites" / sheet) as image:
            assert x + w <= image.width and y + h <= image.height
            assert image.width * image.height <= MAX_SHEET_PIXELS
    assert (w, h) == (100, 76)
    assert [c.sheet for c in result.cues] == [c[2] for c in cues]


def test_sprite_sheets_stay_under_the_browser_limit() -> None:
    # Large thumbnails: fewer rows a sheet, never more than 16.7 megapixels.
    cues = plan_cues(3 * 3600, 2.0, 1280, 720)
    sheets: dict[str, list] = {}
    for cue in cues:
        sheets.setdefault(cue.sheet, []).append(cue)
    for members in sheets.values():
        width = max(c.x + c.w for c in members)
        height = max(c.y + c.h for c in members)
        assert width * height <= MAX_SHEET_PIXELS
    assert cues[-1].end_ms == 3 * 3600 * 1000


def test_sprites_refuse_to_replace_a_foreign_folder(job: ExportJob, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"precious")
    with pytest.raises(UsageError, match="other content"):
        run(export_sprites(job, folder, force=True))
    assert (folder / "holiday.jpg").read_bytes() == b"precious"
    run(export_sprites(job, tmp_path / "sprites"))
    with pytest.raises(UsageError, match="earlier export"):
        run(export_sprites(job, tmp_path / "sprites"))
    run(export_sprites(job, tmp_path / "sprites", force=True, every=1.0))
    assert len(parse_vtt(tmp_path / "sprites" / VTT_NAME)) == 8


def test_outputs_get_the_usual_permissions(job: ExportJob, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        sheet = run(export_contact_sheet(job, tmp_path / "sheet.png", count=2))
        sprites = run(export_sprites(job, tmp_path / "sprites"))
    finally:
        os.umask(old)
    assert sheet.path.stat().st_mode & 0o777 == 0o644
    assert sprites.folder.stat().st_mode & 0o777 == 0o755
