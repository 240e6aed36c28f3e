"""Timecode labels: round trips at every standard rate, and drop-frame's skipped labels."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.timecode import (
    STANDARD_RATES,
    SourceClock,
    TimecodeError,
    TimecodeRate,
    frames_to_label,
    frames_to_seconds,
    label_to_frames,
    parse_label,
    seconds_to_frames,
)

ALL_RATES = [TimecodeRate(r) for r in STANDARD_RATES] + [
    TimecodeRate(Fraction(30000, 1001), True),
    TimecodeRate(Fraction(60000, 1001), True),
]
# No per-example deadline: the machine running the suite may be busy.
relaxed = settings(deadline=None)
rates = st.sampled_from(ALL_RATES)
drop_rates = st.sampled_from([r for r in ALL_RATES if r.drop_frame])


def frames_per_day(rate: TimecodeRate) -> int:
    return 144 * (600 * rate.nominal - 9 * rate.dropped_per_minute)


def successor(label: str, rate: TimecodeRate) -> str:
    """The next label, by counting: no closed-form arithmetic."""
    parts = parse_label(label)
    h, m, s, f = parts.hours, parts.minutes, parts.seconds, parts.frames + 1
    if f == rate.nominal:
        f, s = 0, s + 1
    if s == 60:
        s, m = 0, m + 1
        if rate.drop_frame and m % 10:
            f = rate.dropped_per_minute
    if m == 60:
        m, h = 0, h + 1
    h %= 24
    sep = ";" if rate.drop_frame else ":"
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{f:02d}"


@relaxed
@given(rate=rates, data=st.data())
def test_frames_label_frames_round_trip(rate: TimecodeRate, data: st.DataObject) -> None:
    frames = data.draw(st.integers(0, frames_per_day(rate) - 1))
    label = frames_to_label(frames, rate)
    assert label_to_frames(label, rate) == frames
    assert (";" in label) == rate.drop_frame


@relaxed
@given(rate=rates, data=st.data())
def test_consecutive_frames_have_consecutive_labels(
    rate: TimecodeRate, data: st.DataObject
) -> None:
    frames = data.draw(st.integers(0, frames_per_day(rate) - 2))
    assert frames_to_label(frames + 1, rate) == successor(frames_to_label(frames, rate), rate)


@relaxed
@given(rate=drop_rates, minute=st.integers(0, 24 * 60 - 1), frame=st.integers(0, 3))
def test_drop_frame_skips_the_first_labels_of_each_minute_but_every_tenth(
    rate: TimecodeRate, minute: int, frame: int
) -> None:
    label = f"{minute // 60:02d}:{minute % 60:02d}:00;{frame:02d}"
    if minute % 10 and frame < rate.dropped_per_minute:
        with pytest.raises(TimecodeError, match="skips"):
            label_to_frames(label, rate)
    else:
        assert frames_to_label(label_to_frames(label, rate), rate) == label


@relaxed
@given(rate=rates, seconds=st.floats(0, 86_000, allow_nan=False))
def test_seconds_map_to_the_frame_on_screen(rate: TimecodeRate, seconds: float) -> None:
    frames = seconds_to_frames(seconds, rate)
    start = frames_to_seconds(frames, rate)
    assert start <= seconds + 0.001
    assert seconds < start + 1 / float(rate.fps)


@relaxed
@given(rate=rates, data=st.data())
def test_clock_labels_read_back_to_the_same_frame(rate: TimecodeRate, data: st.DataObject) -> None:
    clock = SourceClock(rate, data.draw(st.integers(0, frames_per_day(rate) - 1)))
    frames = data.draw(st.integers(0, 10 * 3600 * 60))
    seconds = frames_to_seconds(frames, rate)
    assert seconds_to_frames(clock.seconds(clock.label(seconds)), rate) == frames % frames_per_day(
        rate
    )


@pytest.mark.parametrize(
    ("fps", "label", "frames"),
    [
        (29.97, "00:01:00;02", 1800),
        (29.97, "00:10:00;00", 17982),
        (29.97, "01:00:00;00", 107892),
        (59.94, "00:01:00;04", 3600),
        (25.0, "01:00:00:00", 90000),
        (23.976, "01:00:00:00", 86400),
    ],
)
def test_known_labels(fps: float, label: str, frames: int) -> None:
    rate = TimecodeRate.for_video(fps, ";" in label)
    assert label_to_frames(label, rate) == frames
    assert frames_to_label(frames, rate) == label


def test_rates_snap_to_standard_ones() -> None:
    assert TimecodeRate.for_video(29.97) == TimecodeRate(Fraction(30000, 1001), True)
    assert TimecodeRate.for_video(29.97, False) == TimecodeRate(Fraction(30000, 1001))
    assert TimecodeRate.for_video(23.98).fps == Fraction(24000, 1001)
    assert TimecodeRate.for_video(25.0, True) == TimecodeRate(Fraction(25))
    assert TimecodeRate.for_video(12.5) == TimecodeRate(Fraction(30))  # no timecode rate


@pytest.mark.parametrize(
    ("label", "rate", "message"),
    [
        ("1:00:00:00", TimecodeRate(Fraction(25)), "not a timecode"),
        ("24:00:00:00", TimecodeRate(Fraction(25)), "hours < 24"),
        ("00:00:00:25", TimecodeRate(Fraction(25)), "does not exist"),
        ("00:00:00;00", TimecodeRate(Fraction(25)), "drop-frame label"),
        ("00:00:00:00", TimecodeRate(Fraction(30000, 1001), True), "non-drop-frame label"),
        ("$(rm -rf ~)", TimecodeRate(Fraction(25)), "not a timecode"),
    ],
)
def test_bad_labels_are_refused(label: str, rate: TimecodeRate, message: str) -> None:
    with pytest.raises(TimecodeError, match=message):
        label_to_frames(label, rate)


def test_clock_of_a_source() -> None:
    clock = SourceClock.for_source(25.0, "01:00:00:00")
    assert clock.label(0) == "01:00:00:00"
    assert clock.label(61.5) == "01:01:01:12"
    assert clock.seconds("01:01:01:12") == pytest.approx(61.48)
    assert SourceClock.for_source(25.0, None).label(61.5) == "00:01:01:12"
    # A label that does not fit the video's rate is ignored, not fatal.
    assert SourceClock.for_source(25.0, "01:00:00:40").start_label == "00:00:00:00"
    # Past midnight, a label is read as the next day.
    late = SourceClock.for_source(25.0, "23:59:59:00")
    assert late.label(2.0) == "00:00:01:00"
    assert late.seconds("00:00:01:00") == pytest.approx(2.0)


@relaxed
@given(rate=rates, data=st.data())
def test_labels_agree_with_opentimelineio(rate: TimecodeRate, data: st.DataObject) -> None:
    otio = pytest.importorskip("opentimelineio")
    # OpenTimelineIO wraps non-drop 29.97/59.94 labels at 24 h of real time: stay below.
    frames = data.draw(st.integers(0, int(23 * 3600 * rate.fps)))
    fps = float(rate.fps)
    theirs = otio.opentime.RationalTime(frames, fps).to_timecode(fps, rate.drop_frame)
    assert frames_to_label(frames, rate) == theirs
    assert otio.opentime.from_timecode(theirs, fps).value == label_to_frames(theirs, rate)
