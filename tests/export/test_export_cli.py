"""``framefan export`` as a real subprocess: results, exit codes and one-line messages."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from core.layout import MANIFEST_NAME

from ..test_cli import framefan_command


def export(*args: str | os.PathLike[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*framefan_command(), "export", *map(os.fspath, args)],
        cwd=cwd, capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def one_line_error(result: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_gif_with_a_budget_reports_its_choice(job_dir: Path, tmp_path: Path) -> None:
    result = export(
        "gif", job_dir / MANIFEST_NAME, "--from", "01:00:01:00", "--to", "0:04",
        "--max-bytes", "40k", "-o", "a.gif", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("a.gif: 01:00:01:00–01:00:04:00, ")
    assert "chose " in result.stdout and "colours" in result.stdout
    assert (tmp_path / "a.gif").stat().st_size <= 40_000


def test_copy_reports_the_snapped_range_as_json(job_dir: Path, tmp_path: Path) -> None:
    result = export(
        "clip", job_dir, "--from", "1.5", "--to", "2.5", "--copy", "-o", "c.mp4", "--json",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert (record["start"], record["end"], record["requested"]) == (1.0, 3.0, [1.5, 2.5])


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["gif", "{job}", "--from", "3", "--to", "2", "-o", "x.gif"], 2, "must come after"),
        (["gif", "{job}", "--from", "3", "--to", "20", "-o", "x.gif"], 2, "outside the video"),
        (["still", "{job}", "--at", "soon", "-o", "x.jpg"], 2, "'soon' is not a time"),
        (["still", "{job}", "--at", "1", "-o", "x.bmp"], 2, "unknown image type"),
        (["still", "{job}", "--at", "1"], 2, "required: -o/--output"),
        (["gif", "{job}", "--from", "0", "--to", "1", "--max-bytes", "lots", "-o", "x.gif"], 2,
         "not a size"),
        (["sprites", "{job}", "--every", "0", "-o", "sprites"], 2, "more than 0 seconds"),
        (["markers", "{job}", "-o", "m.txt"], 2, "give --format"),
        (["web", "{tmp}/missing", "-o", "web"], 2, "not a job folder"),
        (["still", "{job}", "--at", "1", "-o", "exists.jpg"], 2, "exists (use --force"),
        (["contact-sheet", "{job}", "-o", "{tmp}/no/such/sheet.png"], 2, "does not exist"),
        (["poster", "{job}"], 2, "invalid choice: 'poster'"),
        ([], 2, "required: KIND"),
    ],
)  # fmt: skip
def test_bad_requests_exit_2_with_one_line(
    job_dir: Path, tmp_path: Path, args: list[str], code: int, text: str
) -> None:
    (tmp_path / "exists.jpg").write_bytes(b"keep")
    filled = [a.format(job=job_dir, tmp=tmp_path) for a in args]
    one_line_error(export(*filled, cwd=tmp_path), code, text)
    assert (tmp_path / "exists.jpg").read_bytes() == b"keep"


def test_a_moved_source_exits_2_and_names_the_option(job_dir: Path, tmp_path: Path) -> None:
    manifest = job_dir / MANIFEST_NAME
    data = json.loads(manifest.read_text())
    real = data["source"]["path"]
    data["source"]["path"] = "/nowhere/timecode.mov"
    manifest.write_text(json.dumps(data))
    args = ["clip", job_dir, "--from", "1", "--to", "2", "-o", "c.mp4"]
    one_line_error(export(*args, cwd=tmp_path), 2, "--source PATH")
    assert export(*args, "--source", real, cwd=tmp_path).returncode == 0


def test_a_damaged_marks_file_exits_2_and_is_kept(job_dir: Path, tmp_path: Path) -> None:
    (job_dir / "marks.json").write_bytes(b"\x00garbage")
    one_line_error(
        export("markers", job_dir, "-o", "m.edl", cwd=tmp_path), 2, "marks.json: damaged"
    )
    assert (job_dir / "marks.json").read_bytes() == b"\x00garbage"


def test_a_damaged_still_fails_with_exit_1(job_dir: Path, tmp_path: Path) -> None:
    (job_dir / "frames" / "000002.jpg").write_bytes(b"not a picture")
    one_line_error(
        export("contact-sheet", job_dir, "--every", "1", "-o", "s.png", cwd=tmp_path),
        1,
        "000002.jpg: not a readable picture",
    )
    assert [p.name for p in tmp_path.iterdir()] == ["job"]


def test_a_damaged_manifest_exits_2(job_dir: Path, tmp_path: Path) -> None:
    (job_dir / MANIFEST_NAME).write_text('{"version": 1')
    one_line_error(export("web", job_dir, "-o", "w", cwd=tmp_path), 2, "damaged manifest")
