"""The version resource of ``FrameFan.exe`` (what Explorer shows under Properties ▸
Details), made from ``core.__version__`` by build.spec at build time.

The file is in the text format PyInstaller reads for ``EXE(version=…)``: a Python
expression built from the classes of ``PyInstaller.utils.win32.versioninfo`` (the format
``pyi-grab_version`` writes). Those classes only import on Windows, so the text is written
here directly; the Windows build reads it back.

    python scripts/windows_version.py OUTPUT_FILE
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

LANGUAGE = 0x0409  # U.S. English
CODEPAGE = 1200  # Unicode
STRINGS = {
    "CompanyName": "FrameFan",
    "FileDescription": "FrameFan",  # the name Task Manager and "Open with" show
    "InternalName": "FrameFan",
    "LegalCopyright": "FrameFan contributors; MIT licence",
    "OriginalFilename": "FrameFan.exe",
    "ProductName": "FrameFan",
}


def version_numbers(version: str) -> tuple[int, int, int, int]:
    """``0.1.0`` → (0, 1, 0, 0); ``1.2.0rc1`` → (1, 2, 0, 0): Windows wants four numbers."""
    match = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?", version)
    if match is None:
        raise ValueError(f"not a version: {version!r}")
    numbers = tuple(int(part or 0) for part in match.groups())
    if any(n > 0xFFFF for n in numbers):
        raise ValueError(f"{version!r}: Windows allows at most 65535 in each part")
    return numbers  # type: ignore[return-value]


def version_file_text(version: str) -> str:
    numbers = version_numbers(version)
    strings = {**STRINGS, "FileVersion": version, "ProductVersion": version}
    table = ",\n".join(f"          StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""# FrameFan.exe's version resource (scripts/windows_version.py)
VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers!r},
    prodvers={numbers!r},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo(
      [
      StringTable(
        {f"{LANGUAGE:04X}{CODEPAGE:04X}"!r},
        [
{table}
        ])
      ]),
    VarFileInfo([VarStruct('Translation', [{LANGUAGE}, {CODEPAGE}])])
  ]
)
"""


def write_version_file(path: Path, version: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(version_file_text(version), encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from core import __version__

    print(write_version_file(Path(sys.argv[1]), __version__))
