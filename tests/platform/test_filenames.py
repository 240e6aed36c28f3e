"""Names FrameFan creates hold on every system: Windows' reserved device names, forbidden
characters, trailing dots and spaces, and its 260-character paths, checked on the job folder
names and on every path a real job writes."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path, PureWindowsPath

import pytest

from core.cli import main as cli_main
from core.layout import MAX_INSIDE_JOB, MAX_JOB_NAME, job_dir_for, safe_job_name
from core.platform.filenames import MAX_PATH, device_name, name_problem, path_problem
from core.platform.system import WINDOWS, current
from core.preflight import OUTPUT_FOLDER, check_path_length, preflight
from tests import media

CLIP = media.Spec("names-4s.mp4", "testsrc2=s=160x90:r=10:d=4")


@pytest.mark.parametrize(
    "name",
    ["CON", "con", "con.mp4", "aux.mov", "Nul.tar.gz", "PRN.", "COM1", "com9.final.mkv",
     "LPT1", "lpt0.txt", "COM¹", "lpt³.x", "CONIN$", "conout$.log", "aux .mp4"],
)  # fmt: skip
def test_device_names_are_refused_with_any_extension(name: str) -> None:
    assert device_name(name)
    assert name_problem(name) is not None


@pytest.mark.parametrize(
    "name", ["console.mp4", "com10", "lpt", "CONX.mp4", "clip-con.mp4", "aux-final.mov", "nul-"]
)
def test_names_that_only_look_like_devices_are_fine(name: str) -> None:
    assert not device_name(name)
    assert name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("a:b.mp4", "':'"),
        ('say "hi".mp4', "'\"'"),
        ("what?.mov", "'?'"),
        ("a|b", "'|'"),
        ("back\\slash", "'\\\\'"),
        ("tab\there", "'\\t'"),
        ("clip.", "end with a dot or a space"),
        ("clip ", "end with a dot or a space"),
        ("", "empty"),
        ("..", "empty"),
        ("x" * 256, "longer than 255"),
    ],
)
def test_windows_name_rules(name: str, reason: str) -> None:
    problem = name_problem(name)
    assert problem is not None and reason in problem, problem


def test_path_length_counts_the_whole_windows_path() -> None:
    base = PureWindowsPath("C:\\Users\\editor\\Videos\\FrameFan")
    fits = base / ("x" * (MAX_PATH - len(str(base)) - 1))
    assert len(str(fits)) == MAX_PATH and path_problem(fits) is None
    too_long = PureWindowsPath(str(fits) + "y")
    assert "260 characters long, more than the 259" in (path_problem(too_long) or "")
    assert "device" in (path_problem(base / "aux.gif") or "")
    assert path_problem(PureWindowsPath("\\\\server\\share\\jobs\\clip")) is None


HOSTILE_STEMS = [
    "aux.final", "CON.mp4", "con", "nul..x", "com1.2", "LPT1 ", "Com3.backup.old",
    "prn.", " aux.mov", "CONIN$.x", "a:b", "trailing.", "trailing ", "...",
]  # fmt: skip


@pytest.mark.parametrize("stem", HOSTILE_STEMS)
def test_job_names_are_valid_windows_names(stem: str) -> None:
    name = safe_job_name(Path("/videos") / f"{stem}.mov")
    assert name_problem(name) is None, name
    assert len(name) <= MAX_JOB_NAME


def test_a_device_stem_keeps_its_words() -> None:
    assert safe_job_name("/videos/aux.final.mov").startswith("aux-final-")
    assert safe_job_name("/videos/Con.mp4.mov").startswith("Con-mp4-")
    # Names that were valid before keep their folder, so earlier jobs still resume.
    assert safe_job_name("/videos/con.mov").startswith("con-")
    assert safe_job_name("/videos/clip.v2.mov").startswith("clip.v2-")


def test_random_names_always_give_valid_job_folders() -> None:
    pieces = ["con", "AUX", "nul", "com1", "lpt9", "prn", ".", "..", " ", "-", "_", ":", "é",
              "東", "$", "clip", "x" * 40, "\t", "?", "*", "CONIN$"]  # fmt: skip
    chooser = random.Random(14)
    for _ in range(3000):
        stem = "".join(chooser.choice(pieces) for _ in range(chooser.randint(1, 6)))
        name = safe_job_name(f"/videos/{stem}.mp4")
        assert name_problem(name) is None, (stem, name)
        assert len(name) <= MAX_JOB_NAME


def test_output_folder_too_deep_for_windows_is_a_problem_before_work() -> None:
    longest = MAX_PATH - MAX_JOB_NAME - MAX_INSIDE_JOB - 2
    fine = PureWindowsPath("C:\\" + "d" * (longest - 3))
    assert len(str(fine)) == longest
    assert check_path_length(fine, platform="windows") is None
    deep = PureWindowsPath(str(fine) + "x")
    problem = check_path_length(deep, platform="windows")
    assert problem is not None and problem.kind == OUTPUT_FOLDER
    assert f"({longest + 1} characters; at most {longest}" in problem.message
    # Linux and macOS allow long paths: no such limit there.
    assert check_path_length(Path("/" + "d" * 400), platform="linux") is None
    assert check_path_length(Path("/" + "d" * 400), platform="macos") is None


@pytest.mark.skipif(sys.platform == "win32", reason="a 300-character folder cannot be made")
def test_preflight_on_windows_reports_the_long_path_first(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 200)
    problems = preflight(deep)
    # On this system the folder is fine; on Windows the same folder would be refused.
    assert [p.kind for p in problems] == []
    assert check_path_length(deep, platform="windows") is not None


def written_paths(event: str, args: tuple) -> list[str]:
    """The paths an audit event creates or writes: ``open`` for writing (built-in open's
    mode, os.open's flags), folders and temporary files made, renames."""
    if event == "open":
        mode, flags = args[1], args[2]
        writing = any(c in mode for c in "wax+") if isinstance(mode, str) else flags & 0o3
        paths = [args[0]] if writing else []
    elif event in ("os.mkdir", "tempfile.mkstemp", "tempfile.mkdtemp"):
        paths = [args[0]]
    elif event == "os.rename":
        paths = [args[0], args[1]]
    else:
        paths = []
    return [os.fsdecode(p) for p in paths if isinstance(p, str | bytes | os.PathLike)]


def test_every_path_a_job_writes_is_valid_on_windows(make_video, tmp_path: Path) -> None:
    """Every file and folder a real job creates, seen through Python's audit events (opens
    for writing, folders made, renames, temporary files): including the scratch files of
    renders in progress and the temporary names of atomic writes."""
    clip = make_video(CLIP)
    # A device name as the stem, where the system lets such a file be made.
    source = tmp_path / ("take.final.mp4" if current() == WINDOWS else "con.final.mp4")
    source.write_bytes(clip.read_bytes())
    out = tmp_path / "out"
    created: set[str] = set()
    recording = True

    def audit(event: str, args: tuple) -> None:
        if recording:
            created.update(p for p in written_paths(event, args) if p.startswith(str(out)))

    sys.addaudithook(audit)
    try:
        status = cli_main(["process", "--out", str(out), "--snippet-seconds", "2",
                           "--gif-width", "64", "--frame-width", "64", str(source)])  # fmt: skip
    finally:
        recording = False
    assert status == 0
    job = job_dir_for(out, source)
    inside = [Path(p).relative_to(job) for p in created if Path(p).is_relative_to(job)]
    inside = [p for p in inside if p.parts]  # the job folder itself is checked below
    assert any(p.parts[0] == ".work" for p in inside)  # the scratch files were seen
    assert any(p.name.endswith(".tmp") for p in inside)  # and the atomic writes' temp names
    for relative in inside:
        windows = PureWindowsPath(*relative.parts)
        assert path_problem(windows) is None, relative
        assert len(str(windows)) <= MAX_INSIDE_JOB, relative
    assert name_problem(job.name) is None
