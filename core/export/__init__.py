"""Getting work out of a job: stills, GIFs and clips of any range, contact sheets, seek-bar
sprites, markers for the editing timeline and a shareable web page.

Every export is a coroutine taking an :class:`ExportJob` (from :func:`open_job`), its
output path, ``force`` (replace an existing output) and ``on_progress`` (a callable
receiving the fraction done, 0–1, on the event loop's thread). Cancelling the awaiting task
stops it, leaving nothing behind. Errors: :class:`core.errors.UsageError` when the request
must change (range, missing source, existing output), another
:class:`core.errors.FrameFanError` when the export failed; both carry a one-line message.
"""

from __future__ import annotations

from .clip import ClipResult, export_clip
from .contact_sheet import SheetResult, export_contact_sheet
from .gif import GifResult, GifSettings, export_gif
from .handoff import HandoffFolder, SnippetGifResult, export_snippet_gif, hand_off
from .job import ExportJob, open_job
from .markers import MarkersResult, export_markers
from .sprites import SpritesResult, export_sprites
from .still import StillResult, export_still
from .web import WebResult, export_web

__all__ = [
    "ClipResult",
    "ExportJob",
    "GifResult",
    "GifSettings",
    "HandoffFolder",
    "MarkersResult",
    "SheetResult",
    "SnippetGifResult",
    "SpritesResult",
    "StillResult",
    "WebResult",
    "export_clip",
    "export_contact_sheet",
    "export_gif",
    "export_markers",
    "export_snippet_gif",
    "export_sprites",
    "export_still",
    "export_web",
    "hand_off",
    "open_job",
]
