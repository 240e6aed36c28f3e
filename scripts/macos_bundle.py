"""The ``Info.plist`` of ``FrameFan.app``, made by build.spec at build time.

Besides the bundle's identity and version it declares the video files FrameFan opens, so
that Finder offers it under "Open With" and videos dropped on its Dock icon reach it (as
``QFileOpenEvent``, gui.platform.file_open). The list is core.input_safety's, the one the
app accepts: types macOS knows are named by their identifier; the others (Matroska, WebM,
MXF, …) are declared here as movies with their extensions, which macOS uses unless another
app declares them too.
"""

from __future__ import annotations

import re

from core.input_safety import VIDEO_EXTENSIONS

BUNDLE_ID = "org.framefan.FrameFan"
APP = "FrameFan"

# Uniform type identifiers macOS declares for these extensions.
SYSTEM_TYPES = {
    ".mp4": "public.mpeg-4",
    ".m4v": "com.apple.m4v-video",
    ".mov": "com.apple.quicktime-movie",
    ".qt": "com.apple.quicktime-movie",
    ".3gp": "public.3gpp",
    ".3g2": "public.3gpp2",
    ".avi": "public.avi",
    ".ts": "public.mpeg-2-transport-stream",
    ".mts": "public.avchd-mpeg-2-transport-stream",
    ".m2ts": "public.avchd-mpeg-2-transport-stream",
    ".mpg": "public.mpeg",
    ".mpeg": "public.mpeg",
}
# The rest, declared by FrameFan as kinds of movie.
IMPORTED_TYPES = {
    "org.matroska.mkv": ("Matroska video", (".mkv",)),
    "org.webmproject.webm": ("WebM video", (".webm",)),
    "org.smpte.mxf": ("MXF video", (".mxf",)),
    "com.microsoft.windows-media-wmv": ("Windows Media video", (".wmv",)),
    "com.microsoft.advanced-systems-format": ("Advanced Systems Format", (".asf",)),
    "com.adobe.flash.video": ("Flash video", (".flv",)),
    "org.xiph.ogv": ("Ogg video", (".ogv",)),
    "org.dvdforum.vob": ("DVD video object", (".vob",)),
}


def minimum_macos(qt_version: str) -> str:
    """The oldest macOS the bundled Qt runs on (Qt's supported platforms: 6.8 and 6.9 need
    macOS 12, 6.10 and later macOS 13)."""
    major, minor = (int(n) for n in re.findall(r"\d+", qt_version)[:2])
    if (major, minor) >= (6, 10):
        return "13.0"
    if (major, minor) >= (6, 8):
        return "12.0"
    return "11.0"


def document_types() -> list[str]:
    """The type identifiers of every video extension FrameFan accepts."""
    imported = {ext: uti for uti, (_, exts) in IMPORTED_TYPES.items() for ext in exts}
    missing = VIDEO_EXTENSIONS - set(SYSTEM_TYPES) - set(imported)
    if missing:
        raise ValueError(f"no type identifier for {', '.join(sorted(missing))}")
    return sorted({SYSTEM_TYPES.get(ext) or imported[ext] for ext in VIDEO_EXTENSIONS})


def info_plist(version: str, qt_version: str) -> dict:
    return {
        "CFBundleName": APP,
        "CFBundleDisplayName": APP,
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "LSMinimumSystemVersion": minimum_macos(qt_version),
        "LSApplicationCategoryType": "public.app-category.video",
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,  # follow the system's dark mode
        "NSHumanReadableCopyright": "FrameFan contributors; MIT licence",
        "CFBundleDocumentTypes": [
            {
                "CFBundleTypeName": "Video",
                "CFBundleTypeRole": "Viewer",
                # Offered under "Open With", never taking over the editor's default player.
                "LSHandlerRank": "Alternate",
                "LSItemContentTypes": document_types(),
            }
        ],
        "UTImportedTypeDeclarations": [
            {
                "UTTypeIdentifier": uti,
                "UTTypeDescription": description,
                "UTTypeConformsTo": ["public.movie"],
                "UTTypeTagSpecification": {
                    "public.filename-extension": [e.lstrip(".") for e in extensions]
                },
            }
            for uti, (description, extensions) in IMPORTED_TYPES.items()
        ],
    }
