"""The errors FrameFan reports to users.

Every error carries a one-line message fit to show as is: it names the file and the problem.
"""

from __future__ import annotations


class FrameFanError(Exception):
    """Base class: an expected failure with a message meant for the user."""

    def __str__(self) -> str:
        return " ".join(str(self.args[0]).split()) if self.args else self.__class__.__name__


class FfmpegNotFoundError(FrameFanError):
    """No usable ffmpeg binary was found."""


class SettingsError(FrameFanError, ValueError):
    """A setting has an invalid value."""


class InputRejectedError(FrameFanError):
    """An input is not a video FrameFan can process (wrong kind, damaged, unsafe)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class SourceUnreachableError(FrameFanError):
    """A remote input could not be read because of the network or the server (a refused or
    reset connection, a TLS failure, a 5xx answer, a stall), not because of what it holds:
    trying again later may work."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class RenderError(FrameFanError):
    """ffmpeg failed to render a snippet."""


class ManifestError(FrameFanError):
    """A job manifest is missing, unreadable or of an unknown version."""


class UsageError(FrameFanError, ValueError):
    """A request that cannot be carried out as asked (a range outside the video, a source
    that moved, an output that exists): the user has to change it."""


class ExportError(FrameFanError):
    """Exporting from a job failed."""
