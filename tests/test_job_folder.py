"""Job folders: one writer at a time (an OS lock the kernel releases with its holders), and
nothing outside them (links refused, or removed without being followed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import job_folder
from core.job_folder import JobBusyError, JobFolderError
from core.layout import FRAMES_DIR, GIFS_DIR, LOCK_NAME

HOLD = """
import sys, time
from pathlib import Path
from core import job_folder
held = job_folder.lock(Path(sys.argv[1]))
print("held", flush=True)
time.sleep(600)
"""


def hold_in_another_process(job: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(job)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_writer_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    job = tmp_path / "job"
    other = hold_in_another_process(job)
    try:
        with pytest.raises(JobBusyError) as caught:
            job_folder.lock(job)
        assert str(caught.value) == (
            f"{job} is being processed by another FrameFan (pid {other.pid})"
        )
        assert job_folder.holder(job) == other.pid
    finally:
        other.send_signal(signal.SIGKILL)  # the kernel releases its lock: never stale
        other.wait()
        other.stdout.close()  # type: ignore[union-attr]
    assert job_folder.holder(job) is None
    with job_folder.locked(job):
        assert job_folder.holder(job) == os.getpid()
        with pytest.raises(JobBusyError, match="already being processed by this FrameFan"):
            job_folder.lock(job)
    assert job_folder.holder(job) is None


def test_children_given_the_lock_keep_it_until_they_are_gone(tmp_path: Path) -> None:
    job = tmp_path / "job"
    held = job_folder.lock(job)
    child = subprocess.Popen(["sleep", "60"], pass_fds=held.inheritable_fds)
    try:
        held.release()
        assert job_folder.holder(job) == os.getpid()  # the child holds it still
    finally:
        child.kill()
        child.wait()
    assert job_folder.holder(job) is None


def test_holder_creates_nothing(tmp_path: Path) -> None:
    assert job_folder.holder(tmp_path / "nothing") is None
    assert not (tmp_path / "nothing").exists()


def test_a_job_folder_that_is_a_link_or_a_file_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (tmp_path / "linked").symlink_to(victim)
    with pytest.raises(JobFolderError, match=r"linked is a link \(to .*victim\)"):
        job_folder.lock(tmp_path / "linked")
    assert list(victim.iterdir()) == []
    (tmp_path / "file").write_text("x")
    with pytest.raises((JobFolderError, FileExistsError)):
        job_folder.lock(tmp_path / "file")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_a_job_folder_of_another_user_is_refused(tmp_path: Path) -> None:
    job = tmp_path / "job"
    job.mkdir()
    os.chown(job, 4321, 4321)
    with pytest.raises(JobFolderError, match=r"belongs to another user \(uid 4321\)"):
        job_folder.lock(job)
    assert not (job / LOCK_NAME).exists()


@pytest.mark.parametrize("planted", ["link", "fifo", "folder"])
def test_whatever_is_planted_as_the_lock_file_is_replaced_not_followed(
    tmp_path: Path, planted: str
) -> None:
    job = tmp_path / "job"
    job.mkdir()
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    lock_path = job / LOCK_NAME
    if planted == "link":
        lock_path.symlink_to(outside)
    elif planted == "fifo":
        os.mkfifo(lock_path)
    else:
        (lock_path / "inside").mkdir(parents=True)
    started = time.monotonic()
    with job_folder.locked(job):
        assert lock_path.is_file() and not lock_path.is_symlink()
    assert time.monotonic() - started < 5
    assert outside.read_text() == "keep me"


@pytest.mark.parametrize("name", [GIFS_DIR, FRAMES_DIR])
def test_links_in_place_of_output_folders_are_refused(tmp_path: Path, name: str) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    job = tmp_path / "job"
    job.mkdir()
    (job / name).symlink_to(victim)
    with pytest.raises(JobFolderError, match=rf"{name} is a link .*remove the link"):
        job_folder.check_outputs(job)
    with pytest.raises(JobFolderError):
        job_folder.output_dir(job, name)
    (job / name).unlink()
    (job / name).write_text("in the way")
    with pytest.raises(JobFolderError, match="a file of that name is in the way"):
        job_folder.output_dir(job, name)


def test_clearing_never_follows_a_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("keep me")
    job = tmp_path / "job"
    (job / "frames").mkdir(parents=True)
    (job / "frames" / "inner").symlink_to(victim)  # a link inside a folder being cleared
    (job / ".work").symlink_to(victim)  # a link in place of a folder being cleared
    job_folder.clear(job / "frames")
    job_folder.clear(job / ".work")
    job_folder.clear(job / "missing")
    assert not (job / "frames").exists() and not os.path.lexists(job / ".work")
    assert (victim / "precious.txt").read_text() == "keep me"


def test_scratch_folders_are_new_private_folders_inside_the_job(tmp_path: Path) -> None:
    job = tmp_path / "job"
    one = job_folder.scratch(job, "snippet-00000-")
    two = job_folder.scratch(job, "snippet-00000-")
    assert one != two and one.parent == two.parent == job / ".work"
    assert (one.stat().st_mode & 0o777) == 0o700
