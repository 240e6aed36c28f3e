"""Each system's folders for settings, queue, logs and cache, chosen explicitly; Linux keeps
the folders earlier versions used, so that existing users find their settings."""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

import platformdirs
import pytest

from core.platform.folders import user_folders, videos_folder
from gui.appdirs import AppDirs, default_output_folder
from tests import systems


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@systems.home_is_posix
def test_linux_folders_are_those_earlier_versions_used(home: Path) -> None:
    folders = user_folders("linux")
    assert folders.config == PurePosixPath(home, ".config", "FrameFan")
    assert folders.data == PurePosixPath(home, ".local", "share", "FrameFan")
    assert folders.logs == PurePosixPath(home, ".local", "state", "FrameFan", "log")
    assert folders.cache == PurePosixPath(home, ".cache", "FrameFan")
    # What the app used before these folders were chosen per system, call for call.
    before = {
        "config": platformdirs.user_config_dir("FrameFan", appauthor=False),
        "data": platformdirs.user_data_dir("FrameFan", appauthor=False),
        "logs": platformdirs.user_log_dir("FrameFan", appauthor=False),
    }
    if platformdirs.PlatformDirs is platformdirs.unix.Unix:
        assert {k: str(getattr(folders, k)) for k in before} == before


@systems.home_is_posix
def test_linux_follows_the_xdg_variables(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "/srv/conf")
    monkeypatch.setenv("XDG_STATE_HOME", "/srv/state")
    folders = user_folders("linux")
    assert folders.config == PurePosixPath("/srv/conf/FrameFan")
    assert folders.logs == PurePosixPath("/srv/state/FrameFan/log")


@systems.home_is_posix
def test_macos_folders_are_in_the_library(home: Path) -> None:
    folders = user_folders("macos")
    support = PurePosixPath(home, "Library", "Application Support", "FrameFan")
    assert (folders.config, folders.data) == (support, support)
    assert folders.logs == PurePosixPath(home, "Library", "Logs", "FrameFan")
    assert folders.cache == PurePosixPath(home, "Library", "Caches", "FrameFan")
    assert videos_folder("macos") == PurePosixPath(home, "Movies", "FrameFan")


def test_windows_folders_are_one_local_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    # platformdirs asks Windows' shell for the known folders; these variables stand in for it.
    monkeypatch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", "C:\\Users\\Ed Itor\\AppData\\Local")
    monkeypatch.setenv("WIN_PD_OVERRIDE_MYVIDEO", "D:\\Media\\Videos")
    folders = user_folders("windows")
    local = PureWindowsPath("C:\\Users\\Ed Itor\\AppData\\Local\\FrameFan")
    assert (folders.config, folders.data) == (local, local)
    assert folders.logs == local / "Logs"
    assert folders.cache == local / "Cache"
    assert videos_folder("windows") == PureWindowsPath("D:\\Media\\Videos\\FrameFan")


def test_the_app_uses_this_systems_folders(home: Path) -> None:
    dirs, folders = AppDirs.for_user(), user_folders()
    assert (dirs.config, dirs.data, dirs.logs) == (
        Path(folders.config),
        Path(folders.data),
        Path(folders.logs),
    )
    assert dirs.settings_file.parent == dirs.config
    assert default_output_folder() == Path(videos_folder())


def test_unknown_platform_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown platform 'beos'"):
        user_folders("beos")
