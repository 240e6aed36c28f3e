"""SMPTE timecode: seconds from the start of a video ↔ ``HH:MM:SS:FF`` labels.

A video with a start timecode (a QuickTime ``tmcd`` track, or a ``timecode`` tag) is shown
and exported in that timecode; one without starts at ``00:00:00:00``. Labels count frames
at a standard rate (23.976, 24, 25, 29.97, 30, 50, 59.94, 60). At 29.97 and 59.94 they can
be drop-frame, written with ``;`` before the frames: labels ``;00`` and ``;01`` (``;00`` to
``;03`` at 59.94) are skipped at the start of every minute except every tenth, so the labels
keep up with the clock.

The arithmetic is written here rather than taken from OpenTimelineIO (which the timeline
exports use): its ``from_timecode`` accepts drop-frame labels that do not exist (``00:01:00;00``
reads as frame 1798), it wraps non-drop 29.97/59.94 labels at 24 hours of real time instead of
24 labelled hours, and it is a compiled library this module, shared with the cloud functions,
should not need. The tests check this module against OpenTimelineIO wherever that one is right.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from .errors import FrameFanError


class TimecodeError(FrameFanError, ValueError):
    """A timecode label or rate is malformed or impossible."""


# The timecode rates of video, exact.
STANDARD_RATES: tuple[Fraction, ...] = (
    Fraction(24000, 1001),
    Fraction(24),
    Fraction(25),
    Fraction(30000, 1001),
    Fraction(30),
    Fraction(50),
    Fraction(60000, 1001),
    Fraction(60),
)
_DROP_FRAME_RATES = (Fraction(30000, 1001), Fraction(60000, 1001))
# A measured rate this close (relative) to a standard rate is that rate: containers store
# 29.97 as 2997/100, 30000/1001 or an average over variable frame durations.
_SNAP_TOLERANCE = 0.005

_LABEL_RE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})([:;.,])(\d{2,3})$")


@dataclass(frozen=True)
class TimecodeRate:
    """A timecode frame rate: exact frames per second, and whether labels drop frames."""

    fps: Fraction
    drop_frame: bool = False

    def __post_init__(self) -> None:
        if self.fps not in STANDARD_RATES:
            raise TimecodeError(f"{float(self.fps):g} fps is not a timecode rate")
        if self.drop_frame and self.fps not in _DROP_FRAME_RATES:
            raise TimecodeError(f"{float(self.fps):g} fps has no drop-frame timecode")

    @classmethod
    def for_video(cls, fps: float, drop_frame: bool | None = None) -> TimecodeRate:
        """The timecode rate of a video measured at ``fps``: the nearest standard rate
        (30 fps for a rate that is none, such as a phone's variable one). ``drop_frame``
        defaults to on for 29.97 and 59.94, as cameras and editing software do."""
        rate = min(STANDARD_RATES, key=lambda r: abs(float(r) - fps))
        if not (fps > 0 and abs(float(rate) - fps) <= _SNAP_TOLERANCE * fps):
            rate = Fraction(30)
        if drop_frame is None:
            drop_frame = rate in _DROP_FRAME_RATES
        return cls(rate, drop_frame and rate in _DROP_FRAME_RATES)

    @property
    def nominal(self) -> int:
        """Frames per labelled second: 30 for 29.97, and so on."""
        return round(self.fps)

    @property
    def dropped_per_minute(self) -> int:
        return self.nominal // 15 if self.drop_frame else 0

    def __str__(self) -> str:
        text = f"{float(self.fps):.3f}".rstrip("0").rstrip(".")
        return f"{text} DF" if self.drop_frame else text


@dataclass(frozen=True)
class Label:
    """The fields of a timecode label, as written."""

    hours: int
    minutes: int
    seconds: int
    frames: int
    drop_frame: bool

    def __str__(self) -> str:
        separator = ";" if self.drop_frame else ":"
        return f"{self.hours:02d}:{self.minutes:02d}:{self.seconds:02d}{separator}{self.frames:02d}"


def parse_label(text: str) -> Label:
    """Read ``HH:MM:SS:FF`` (``;``, ``.`` or ``,`` before the frames marks drop-frame)."""
    match = _LABEL_RE.match(text.strip())
    if not match:
        raise TimecodeError(f"{text!r} is not a timecode (HH:MM:SS:FF)")
    hours, minutes, seconds, separator, frames = match.groups()
    label = Label(int(hours), int(minutes), int(seconds), int(frames), separator != ":")
    if label.hours > 23 or label.minutes > 59 or label.seconds > 59:
        raise TimecodeError(f"{text!r} is not a timecode (hours < 24, minutes and seconds < 60)")
    return label


def _check_label(label: Label, rate: TimecodeRate) -> None:
    if label.frames >= rate.nominal:
        raise TimecodeError(f"{label}: frame {label.frames} does not exist at {rate} fps")
    if label.drop_frame != rate.drop_frame:
        kind = "drop-frame" if label.drop_frame else "non-drop-frame"
        raise TimecodeError(f"{label}: a {kind} label at {rate} fps")
    skipped = label.seconds == 0 and label.minutes % 10 and label.frames < rate.dropped_per_minute
    if skipped:
        raise TimecodeError(f"{label}: drop-frame timecode skips this label")


def label_to_frames(text: str, rate: TimecodeRate) -> int:
    """The frame count since ``00:00:00:00`` of a label at ``rate``."""
    label = parse_label(text)
    _check_label(label, rate)
    minutes = 60 * label.hours + label.minutes
    counted = (60 * minutes + label.seconds) * rate.nominal + label.frames
    # Every minute but each tenth skipped its first labels.
    return counted - rate.dropped_per_minute * (minutes - minutes // 10)


def frames_to_label(frames: int, rate: TimecodeRate) -> str:
    """The label of frame ``frames`` since ``00:00:00:00``, wrapping at 24 hours."""
    frames %= _frames_per_day(rate)
    drop = rate.dropped_per_minute
    if drop:
        # Put back the labels skipped so far; then count as without dropping.
        tens, rest = divmod(frames, _frames_per_ten_minutes(rate))
        skipped_minutes = 9 * tens + max(0, (rest - drop) // (60 * rate.nominal - drop))
        frames += drop * skipped_minutes
    seconds, frame = divmod(frames, rate.nominal)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return str(Label(hour, minute, second, frame, rate.drop_frame))


def _frames_per_ten_minutes(rate: TimecodeRate) -> int:
    return 600 * rate.nominal - 9 * rate.dropped_per_minute


def _frames_per_day(rate: TimecodeRate) -> int:
    return 144 * _frames_per_ten_minutes(rate)


def seconds_to_frames(seconds: float, rate: TimecodeRate) -> int:
    """The frame on screen at ``seconds``: the last one starting at or before it."""
    return math.floor(seconds * rate.fps + Fraction(1, 1000))


def frames_to_seconds(frames: int, rate: TimecodeRate) -> float:
    return float(frames / rate.fps)


@dataclass(frozen=True)
class SourceClock:
    """The timecode of one video: its start label's frame count and its rate. Times are
    seconds from the start of the video, as everywhere else in FrameFan."""

    rate: TimecodeRate
    start_frames: int = 0

    @classmethod
    def for_source(cls, fps: float | None, timecode: str | None) -> SourceClock:
        """The clock of a video with frame rate ``fps`` and start label ``timecode`` (None:
        it starts at zero). A start label that does not fit the rate is ignored."""
        if timecode:
            try:
                label = parse_label(timecode)
                rate = TimecodeRate.for_video(fps or 30.0, label.drop_frame)
                return cls(rate, label_to_frames(timecode, rate))
            except TimecodeError:
                pass
        return cls(TimecodeRate.for_video(fps or 30.0))

    @property
    def start_label(self) -> str:
        return frames_to_label(self.start_frames, self.rate)

    def frames(self, seconds: float) -> int:
        """Frames since ``00:00:00:00`` of the picture on screen at ``seconds``."""
        return self.start_frames + seconds_to_frames(seconds, self.rate)

    def label(self, seconds: float) -> str:
        return frames_to_label(self.frames(seconds), self.rate)

    def seconds(self, text: str) -> float:
        """Seconds from the start of the video of a label (which must not lie before the
        start label: a label past midnight is read as the next day)."""
        frames = label_to_frames(text, self.rate) - self.start_frames
        if frames < 0:
            frames += _frames_per_day(self.rate)
        return frames_to_seconds(frames, self.rate)
