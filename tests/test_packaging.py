"""What the macOS and Windows bundles are made with, made here: the .icns and .ico icons
drawn from the app's own icon, Windows' version resource, macOS' Info.plist, and the
Windows installer's idea of where the user's files are."""

from __future__ import annotations

import ast
import plistlib
import re
import sys
from pathlib import Path, PureWindowsPath

import pytest
from PIL import Image

from core import __version__
from core.input_safety import VIDEO_EXTENSIONS
from core.platform.folders import user_folders

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import app_icons  # noqa: E402
import macos_bundle  # noqa: E402
import windows_version  # noqa: E402


def blue_tile(image: Image.Image) -> bool:
    """The app icon's blue rounded square, not a blank or black image."""
    size = image.size[0]
    red, _green, blue, alpha = image.convert("RGBA").getpixel((size // 2, size // 8))
    return alpha == 255 and blue > 200 and red < 100


def test_windows_icon_holds_every_size_each_drawn_at_its_size(tmp_path: Path) -> None:
    ico = app_icons.write_ico(tmp_path / "FrameFan.ico")
    with Image.open(ico) as image:
        assert sorted(image.info["sizes"]) == [(s, s) for s in app_icons.ICO_SIZES]
        for size in (16, 48, 256):
            image.size = (size, size)
            image.load()
            assert image.size == (size, size) and blue_tile(image)


def test_macos_icon_holds_the_retina_sizes(tmp_path: Path) -> None:
    icns = app_icons.write_icns(tmp_path / "FrameFan.icns")
    assert icns.read_bytes()[:4] == b"icns"
    with Image.open(icns) as image:
        sizes = set(image.info["sizes"])
        assert {(16, 16, 2), (32, 32, 2), (128, 128, 1), (256, 256, 1), (512, 512, 1),
                (512, 512, 2)} <= sizes  # fmt: skip
        image.size = (512, 512)
        image.load(scale=2)
        assert image.size == (1024, 1024) and blue_tile(image)


def test_icons_from_the_command_line(tmp_path: Path) -> None:
    import subprocess

    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "app_icons.py"), str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FrameFan.icns", "FrameFan.ico"]


class _Recorder:
    """Stands for each class of PyInstaller's version resource (which imports only on
    Windows): records what the text builds."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args, **kwargs):
        return {"class": self.name, "args": args, **kwargs}


def read_version_file(text: str) -> dict:
    expression = ast.parse(text, mode="eval")
    names = {n.id for n in ast.walk(expression) if isinstance(n, ast.Name)}
    assert names <= {"VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable",
                     "StringStruct", "VarFileInfo", "VarStruct"}  # fmt: skip
    return eval(compile(expression, "version", "eval"), {n: _Recorder(n) for n in names})


def test_version_resource_carries_the_version() -> None:
    info = read_version_file(windows_version.version_file_text(__version__))
    numbers = windows_version.version_numbers(__version__)
    assert info["ffi"]["filevers"] == info["ffi"]["prodvers"] == numbers
    string_file, var_file = info["kids"]
    (table,) = string_file["args"][0]
    language, strings = table["args"]
    assert language == "040904B0"
    values = {s["args"][0]: s["args"][1] for s in strings}
    assert values["FileVersion"] == values["ProductVersion"] == __version__
    assert values["OriginalFilename"] == "FrameFan.exe"
    assert var_file["args"][0][0]["args"] == ("Translation", [1033, 1200])


@pytest.mark.parametrize(
    ("version", "numbers"),
    [("0.1.0", (0, 1, 0, 0)), ("1.2.0rc1", (1, 2, 0, 0)), ("2", (2, 0, 0, 0)),
     ("1.2.3.4", (1, 2, 3, 4))],
)  # fmt: skip
def test_windows_version_numbers(version: str, numbers: tuple[int, ...]) -> None:
    assert windows_version.version_numbers(version) == numbers


def test_a_version_windows_cannot_hold_is_refused() -> None:
    with pytest.raises(ValueError, match="at most 65535"):
        windows_version.version_numbers("2026.70000")
    with pytest.raises(ValueError, match="not a version"):
        windows_version.version_numbers("latest")


def test_a_hostile_version_string_stays_a_string() -> None:
    info = read_version_file(windows_version.version_file_text("1.0'), __import__('os'"))
    values = {s["args"][0]: s["args"][1] for s in info["kids"][0]["args"][0][0]["args"][1]}
    assert values["FileVersion"] == "1.0'), __import__('os'"


def test_info_plist_declares_the_app_and_every_video_type() -> None:
    plist = plistlib.loads(plistlib.dumps(macos_bundle.info_plist(__version__, "6.11.3")))
    assert plist["CFBundleIdentifier"] == "org.framefan.FrameFan"
    assert plist["CFBundleShortVersionString"] == plist["CFBundleVersion"] == __version__
    assert plist["LSMinimumSystemVersion"] == "13.0"
    assert plist["NSHighResolutionCapable"] is True
    (documents,) = plist["CFBundleDocumentTypes"]
    assert documents["CFBundleTypeRole"] == "Viewer" and documents["LSHandlerRank"] == "Alternate"
    declared = {d["UTTypeIdentifier"]: d for d in plist["UTImportedTypeDeclarations"]}
    covered = set()
    for extension in VIDEO_EXTENSIONS:
        uti = macos_bundle.SYSTEM_TYPES.get(extension)
        if uti is None:
            tags = {u: d["UTTypeTagSpecification"]["public.filename-extension"]
                    for u, d in declared.items()}  # fmt: skip
            (uti,) = [u for u, extensions in tags.items() if extension[1:] in extensions]
            assert declared[uti]["UTTypeConformsTo"] == ["public.movie"]
        assert uti in documents["LSItemContentTypes"], extension
        covered.add(extension)
    assert covered == VIDEO_EXTENSIONS


def test_a_video_type_without_an_identifier_stops_the_build(monkeypatch) -> None:
    monkeypatch.setattr(macos_bundle, "VIDEO_EXTENSIONS", VIDEO_EXTENSIONS | {".r3d"})
    with pytest.raises(ValueError, match=r"no type identifier for \.r3d"):
        macos_bundle.info_plist(__version__, "6.11.3")


@pytest.mark.parametrize(
    ("qt", "macos"), [("6.7.3", "11.0"), ("6.8.1", "12.0"), ("6.10.0", "13.0"), ("6.11.3", "13.0")]
)
def test_minimum_macos_follows_the_bundled_qt(qt: str, macos: str) -> None:
    assert macos_bundle.minimum_macos(qt) == macos


def test_windows_uninstaller_knows_where_the_users_files_are(monkeypatch) -> None:
    monkeypatch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", "C:\\Users\\ed\\AppData\\Local")
    folders = user_folders("windows")
    iss = (ROOT / "packaging" / "windows" / "FrameFan.iss").read_text()
    user_data = re.search(r'#define UserData "\{localappdata\}\\(\w+)"', iss)
    assert user_data is not None
    local = PureWindowsPath("C:\\Users\\ed\\AppData\\Local")
    assert folders.config == folders.data == local / user_data.group(1)
    assert folders.logs.parent == folders.cache.parent == local / user_data.group(1)
    # The cache goes with the program; the rest only when the user says so (No is the
    # default answer), or when a silent uninstall is given /DELETEUSERDATA.
    assert f'Name: "{{#UserData}}\\{folders.cache.name}"' in iss
    assert "MB_YESNO or MB_DEFBUTTON2" in iss and "/DELETEUSERDATA" in iss
    assert "PrivilegesRequired=lowest" in iss
    assert 'Name: "{autoprograms}\\FrameFan"; Filename: "{app}\\FrameFan.exe"' in iss
