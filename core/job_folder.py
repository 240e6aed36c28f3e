"""A job folder as FrameFan writes it: one writer at a time, and nothing outside it.

* **One writer.** A run holds the folder's lock (``.lock``, an OS lock the kernel releases
  when the process dies, so a stale lock never blocks) from before the probe to after the
  last manifest write. A second run fails at once with "… is being processed by another
  FrameFan (pid N)". On POSIX the lock is shared with the run's ffmpeg children, so a rerun
  stays out until every one of them is gone.
* **Nothing outside.** Job folder names are predictable, so a link planted where FrameFan
  writes could send its writes, or its deletions, elsewhere. The job folder must be a real
  folder owned by the user running FrameFan; a link in the place of a folder FrameFan writes
  is refused with a message (or, where FrameFan clears the folder anyway, removed without
  following it); scratch folders are made with ``mkdtemp``; nothing is ever deleted through
  a link.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import FrameFanError
from .layout import LOCK_NAME, OUTPUT_DIRS, WORK_DIR
from .platform import file_lock

_OPEN_FLAGS = (
    os.O_RDWR
    | os.O_CREAT
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class JobFolderError(FrameFanError):
    """A job folder FrameFan must not write in as it is."""


class JobBusyError(JobFolderError):
    """Another FrameFan process is writing the job folder."""

    def __init__(self, job_dir: Path, pid: int | None) -> None:
        super().__init__(busy_message(job_dir, pid))
        self.job_dir = job_dir
        self.pid = pid


def busy_message(job_dir: Path, pid: int | None) -> str:
    return f"{job_dir} is {busy_reason(pid)}"


def busy_reason(pid: int | None) -> str:
    if pid is not None and pid == os.getpid():
        return "already being processed by this FrameFan"
    who = f" (pid {pid})" if pid else ""
    return f"being processed by another FrameFan{who}"


class JobLock:
    """The held lock of one job folder; :meth:`release` (or leaving ``with``) lets go."""

    def __init__(self, job_dir: Path, fd: int, created: bool = False) -> None:
        self.job_dir = job_dir
        self.fd: int | None = fd
        self.created = created  # the folder was made for this run

    @property
    def inheritable_fds(self) -> tuple[int, ...]:
        """Descriptors to hand to child processes, so that they hold the lock too."""
        if self.fd is None or not file_lock.can_be_inherited():
            return ()
        return (self.fd,)

    def release(self) -> None:
        # Closing (not unlocking) lets children that still hold the descriptor keep the
        # folder locked until they are gone.
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def discard_folder(self) -> None:
        """Remove the folder made for this run, now that its input was refused before any
        work: it holds nothing but the lock file (anything else there is left alone).
        Called while the lock is held, so no other run can have started writing."""
        if not self.created:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.job_dir / LOCK_NAME)
            os.rmdir(self.job_dir)

    def __enter__(self) -> JobLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock(job_dir: Path) -> JobLock:
    """Create ``job_dir`` if needed, check that FrameFan may write in it and take its lock.

    Raises :class:`JobBusyError` when another process holds it and :class:`JobFolderError`
    for a folder FrameFan must not write in; :class:`OSError` when it cannot be created.
    """
    created = not os.path.lexists(job_dir)
    job_dir.mkdir(parents=True, exist_ok=True)
    check_job_dir(job_dir)
    fd = _open_lock_file(job_dir / LOCK_NAME)
    try:
        if not file_lock.try_lock(fd):
            raise JobBusyError(job_dir, _read_pid(fd))
        _write_pid(fd)
    except BaseException:
        os.close(fd)
        raise
    return JobLock(job_dir, fd, created)


def holder(job_dir: Path) -> int | None:
    """The pid of the process holding ``job_dir``'s lock (0 if it is held by an unknown
    process), or None when nobody holds it. Creates nothing."""
    path = job_dir / LOCK_NAME
    try:
        mode = os.stat(path, follow_symlinks=False).st_mode
    except OSError:
        return None
    if not stat.S_ISREG(mode):
        return None
    try:
        fd = os.open(path, _OPEN_FLAGS & ~os.O_CREAT)
    except OSError:
        return None
    try:
        if file_lock.try_lock(fd):
            file_lock.unlock(fd)
            return None
        return _read_pid(fd) or 0
    finally:
        os.close(fd)


def check_job_dir(job_dir: Path) -> None:
    """Refuse a job folder that is a link, not a folder, or (POSIX) owned by another user:
    whoever owns it could swap its contents for links while FrameFan writes."""
    try:
        info = os.stat(job_dir, follow_symlinks=False)
    except OSError as exc:
        raise JobFolderError(f"{job_dir}: cannot be used ({exc.strerror or exc})") from None
    _check_folder(
        job_dir,
        info,
        "the job folder",
        "in real job folders; remove the link or choose another output folder",
    )
    geteuid = getattr(os, "geteuid", None)
    if geteuid is not None and info.st_uid != geteuid():
        raise JobFolderError(
            f"{job_dir} belongs to another user (uid {info.st_uid}): FrameFan writes only in "
            "job folders of the user running it; choose another output folder"
        )


def check_outputs(job_dir: Path) -> None:
    """Refuse links in the place of the folders FrameFan writes outputs in."""
    for name in OUTPUT_DIRS:
        output_dir(job_dir, name, create=False)


def output_dir(job_dir: Path, name: str, *, create: bool = True) -> Path:
    """``job_dir / name`` as a real folder (made if ``create``); a link or a file there
    is refused with :class:`JobFolderError`."""
    path = job_dir / name
    try:
        info = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        if create:
            with contextlib.suppress(FileExistsError):
                os.mkdir(path)
            return output_dir(job_dir, name, create=False)
        return path
    _check_folder(
        path,
        info,
        f"the {name} folder",
        "inside the job folder; remove the link and run the job again",
    )
    return path


def _check_folder(path: Path, info: os.stat_result, role: str, where: str) -> None:
    """Refuse a link or a file where FrameFan needs a real folder."""
    if stat.S_ISLNK(info.st_mode):
        raise JobFolderError(
            f"{path} is a link ({_link_target(path)}): FrameFan writes only {where}"
        )
    if not stat.S_ISDIR(info.st_mode):
        raise JobFolderError(f"{path}: a file of that name is in the way of {role}")


def clear(path: Path) -> None:
    """Delete ``path`` (a folder with its contents, a file or a link) without following any
    link: a link is removed, never what it points to."""
    try:
        info = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        # rmtree removes links inside the tree as links; on a link it refuses to start.
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(path)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def scratch(job_dir: Path, prefix: str) -> Path:
    """A new private scratch folder inside ``job_dir``'s work folder."""
    job_dir.mkdir(parents=True, exist_ok=True)
    work = output_dir(job_dir, WORK_DIR)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=work))


def drop_scratch(job_dir: Path) -> None:
    """Remove the work folder if nothing is left in it."""
    path = job_dir / WORK_DIR
    with contextlib.suppress(OSError):
        if stat.S_ISDIR(os.stat(path, follow_symlinks=False).st_mode):
            os.rmdir(path)


def _open_lock_file(path: Path) -> int:
    """Open (creating) the lock file; a link or special file planted there is replaced,
    never followed: it was never anybody's lock."""
    for _ in range(2):
        try:
            fd = os.open(path, _OPEN_FLAGS, 0o666)
        except OSError as exc:
            if exc.errno not in (errno.ELOOP, errno.EMLINK, errno.ENXIO, errno.EISDIR):
                raise
        else:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                return fd
            os.close(fd)
        clear(path)
    raise JobFolderError(f"{path}: cannot be used as the job's lock file")


def _write_pid(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, f"{os.getpid()}\n".encode())


def _read_pid(fd: int) -> int | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 32).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _link_target(path: Path) -> str:
    try:
        return f"to {os.readlink(path)}"
    except OSError:
        return "unreadable"


@contextlib.contextmanager
def locked(job_dir: Path) -> Iterator[JobLock]:
    held = lock(job_dir)
    try:
        yield held
    finally:
        held.release()
