"""The licence notices shipped with the desktop bundle.

build.spec calls ``write_notices`` once PyInstaller has collected the app. The bundle then
holds, next to the ``FrameFan`` program, FrameFan's own ``LICENSE.txt`` and
``THIRD-PARTY-NOTICES.txt``: every third-party component it ships (ffmpeg, the Python
runtime, each Python distribution, and on Debian-like systems the system libraries), each
with its version, licence and where its source is, followed by the licence texts in full.

Texts are taken from where each component came from: a distribution's own licence files,
ffmpeg's built-in notice and build configuration, the Python runtime's LICENSE, a system
package's copyright file. A component that carries no text of its own (the Qt for Python
wheels) gets the standard text of its licence from the repository's ``LICENSES/`` folder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STANDARD_TEXTS = ROOT / "LICENSES"
NOTICES_NAME = "THIRD-PARTY-NOTICES.txt"

# Standard texts for licences named by an SPDX expression, for components shipping none.
STANDARD_BY_SPDX = {
    "LGPL-3.0": ("LGPL-3.0.txt", "GPL-3.0.txt"),  # the LGPL is a set of additions to the GPL
    "GPL-3.0": ("GPL-3.0.txt",),
}
LICENCE_FILE = re.compile(r"(licen[cs]e|copying|notice|authors)", re.IGNORECASE)
RULE = "=" * 78


@dataclass
class Component:
    name: str
    version: str
    licence: str
    source: str
    texts: list[tuple[str, str]] = field(default_factory=list)  # (title, text)


def _standard_texts(expression: str) -> list[tuple[str, str]]:
    for spdx, files in STANDARD_BY_SPDX.items():
        if spdx in expression:
            return [(name, (STANDARD_TEXTS / name).read_text(encoding="utf-8")) for name in files]
    return []


def _distribution_licence(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    declared = (meta.get("License") or "").strip()
    if declared and "\n" not in declared and len(declared) < 80 and declared != "UNKNOWN":
        return declared
    prefix = "License :: OSI Approved :: "
    classifiers = [
        c[len(prefix) :] for c in meta.get_all("Classifier") or [] if c.startswith(prefix)
    ]
    return " / ".join(classifiers) or "see the text below"


def _distribution_source(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in {"source", "source code", "repository", "code", "homepage"}:
            return url.strip()
    return (meta.get("Home-page") or "").strip() or f"https://pypi.org/project/{meta['Name']}/"


def python_distribution(dist: metadata.Distribution) -> Component:
    files = sorted(
        (f for f in dist.files or [] if ".dist-info" in str(f) and LICENCE_FILE.search(f.name)),
        key=str,
    )
    texts = [
        (f.name, Path(f.locate()).read_text(encoding="utf-8", errors="replace")) for f in files
    ]
    licence = _distribution_licence(dist)
    return Component(
        name=dist.metadata["Name"],
        version=dist.version,
        licence=licence,
        source=_distribution_source(dist),
        texts=texts or _standard_texts(licence),
    )


def python_distributions(
    top_level_names: Iterable[str], skip: Iterable[str] = ()
) -> list[Component]:
    """The distributions that provide any of ``top_level_names`` (import names), less ``skip``."""
    providers = metadata.packages_distributions()
    skipped = {s.lower() for s in skip}
    names = {d for top in top_level_names for d in providers.get(top, [])}
    components = []
    for name in sorted(names, key=str.lower):
        if name.lower() in skipped:
            continue
        components.append(python_distribution(metadata.distribution(name)))
    return components


def _ffmpeg_output(ffmpeg: str, option: str) -> str:
    result = subprocess.run(
        [ffmpeg, "-hide_banner", option], capture_output=True, text=True, timeout=30, check=False
    )
    return (result.stdout + result.stderr).strip()


def ffmpeg_component(ffmpeg: str) -> Component:
    first = _ffmpeg_output(ffmpeg, "-version").splitlines()[0]  # "ffmpeg version X Copyright…"
    version = first.split()[2] if first.startswith("ffmpeg version ") else "unknown"
    configuration = _ffmpeg_output(ffmpeg, "-buildconf")
    notice = _ffmpeg_output(ffmpeg, "-L")
    gpl = "--enable-gpl" in configuration
    v3 = "--enable-version3" in configuration
    licence = f"{'GPL' if gpl else 'LGPL'}-{'3.0' if v3 else '2.1'}-or-later"
    commit = re.search(r"-g([0-9a-f]{7,40})", version)
    source = "https://ffmpeg.org/download.html (git: https://git.ffmpeg.org/ffmpeg.git"
    source += f", commit {commit.group(1)})" if commit else f", release {version})"
    return Component(
        name="FFmpeg",
        version=version,
        licence=licence,
        source=source,
        texts=[
            ("notice (ffmpeg -L)", notice),
            ("build configuration (ffmpeg -buildconf)", configuration),
            *_standard_texts(licence.removesuffix("-or-later")),
        ],
    )


def python_runtime() -> Component:
    version = ".".join(map(str, sys.version_info[:3]))
    base = Path(sys.base_prefix)
    candidates = [
        base / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "LICENSE.txt",
        base / "LICENSE.txt",
    ]
    texts = [("LICENSE.txt", p.read_text(encoding="utf-8")) for p in candidates if p.is_file()][:1]
    if not texts:  # Debian keeps it in the package's copyright file instead
        texts = _debian_copyrights([Path(sys.executable).resolve()])[:1]
    if not texts:
        texts = [("licence", "The PSF licence agreement: https://docs.python.org/3/license.html")]
    return Component(
        name="Python",
        version=version,
        licence="PSF-2.0",
        source=f"https://www.python.org/downloads/release/python-{version.replace('.', '')}/",
        texts=texts,
    )


def _debian_package(path: Path) -> str | None:
    """The Debian package that installed ``path`` (or its /usr twin on merged-/usr systems)."""
    twins = {path}
    if path.parts[:2] == ("/", "usr"):
        twins.add(Path("/", *path.parts[2:]))
    else:
        twins.add(Path("/usr", *path.parts[1:]))
    for candidate in sorted(twins):
        result = subprocess.run(
            ["dpkg-query", "-S", str(candidate)], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            return result.stdout.split(":", 1)[0].split(",")[0].strip()
    return None


def _debian_copyrights(paths: Iterable[Path]) -> list[tuple[str, str]]:
    if shutil.which("dpkg-query") is None:
        return []
    packages = sorted({pkg for p in paths if (pkg := _debian_package(p))})
    found = []
    for package in packages:
        copyright_file = Path("/usr/share/doc") / package / "copyright"
        if copyright_file.is_file():
            found.append((package, copyright_file.read_text(encoding="utf-8", errors="replace")))
    return found


def system_libraries(paths: Iterable[Path]) -> list[Component]:
    """Components for shared libraries taken from the system, one per Debian package.

    On other systems (and for libraries no package owns) nothing is listed: their licences
    are the system's own, which PyInstaller's collection does not record.
    """
    components = []
    for package, text in _debian_copyrights(paths):
        fields = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}\t${source:Package}\t${source:Version}", package],
            capture_output=True, text=True, check=False,
        ).stdout.split("\t")  # fmt: skip
        version, source, source_version = [*fields, "", "", ""][:3]
        components.append(
            Component(
                name=f"{package} (system library)",
                version=version or "unknown",
                licence="see the Debian copyright file below",
                source=f"https://sources.debian.org/src/{source or package}/{source_version}",
                texts=[("debian/copyright", text)],
            )
        )
    return components


def render(app: str, version: str, components: list[Component]) -> str:
    width = max(len(f"{c.name} {c.version}") for c in components)
    lines = [
        f"{app} {version}: third-party software",
        "",
        f"{app} ships with the components below. Each is listed with its version, its",
        "licence and where its source code can be obtained; the licence texts follow in full.",
        "The parts Qt itself is built from (ICU, HarfBuzz, FreeType, zlib and others) are",
        "listed with their licences at https://doc.qt.io/qt-6/licenses-used-in-qt.html.",
        "",
    ]
    for c in components:
        lines.append(f"  {(c.name + ' ' + c.version).ljust(width)}  {c.licence}")
        lines.append(f"  {''.ljust(width)}  source: {c.source}")
    for c in components:
        lines += ["", RULE, f"{c.name} {c.version}", f"Licence: {c.licence}", f"Source: {c.source}"]
        for title, text in c.texts:
            lines += ["", f"--- {title} ---", "", text.rstrip()]
    return "\n".join(lines) + "\n"


def write_notices(folder: Path, app: str, version: str, components: list[Component]) -> Path:
    """Write ``LICENSE.txt`` (the app's own) and the notices file into ``folder``."""
    missing = [c.name for c in components if not c.texts]
    if missing:
        raise SystemExit(f"no licence text found for: {', '.join(missing)}")
    shutil.copyfile(ROOT / "LICENSE", folder / "LICENSE.txt")
    target = folder / NOTICES_NAME
    target.write_text(render(app, version, components), encoding="utf-8")
    return target
