"""Snippet plans and frame times: exact coverage of the video, checked over many durations."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from core.plan import Snippet, frame_indices, frame_time, frame_times, plan
from core.settings import Settings

# Snippet lengths and frame intervals that are not multiples of each other, or not whole.
LENGTHS = [1.0, 2.0, 2.5, 3.0, 7.0, 30.0, 45.5, 3600.0]
INTERVALS = [0.1, 0.25, 0.3, 0.7, 1.0, 1.5, 2.0, 7.0]


def _durations() -> list[float]:
    """Boundary durations for every length, and seeded random ones (microsecond precision,
    like a probed duration)."""
    rng = random.Random(20240531)
    found = {0.000001, 0.04, 0.5, 1.0, 2.999999, 3.0, 3.000001, 60.0, 89.999, 7200.0}
    for length in LENGTHS:
        for multiple in (1, 2, 3, 10):
            found.update(
                round(multiple * length + delta, 6) for delta in (-0.5, -1e-6, 0, 1e-6, 0.04)
            )
    found.update(round(rng.uniform(0.01, 400.0), 6) for _ in range(200))
    return sorted(d for d in found if d > 0)


DURATIONS = _durations()
# At least one picture long (a 100 fps frame), so it has a picture at time 0.
VIDEO_DURATIONS = [d for d in DURATIONS if d >= 0.01]


def check_tiling(snippets: list[Snippet], duration: float, length: float) -> None:
    assert snippets, "no snippet"
    assert [s.index for s in snippets] == list(range(len(snippets)))
    assert snippets[0].start == 0.0
    assert snippets[-1].end == round(duration, 6)
    for snippet in snippets:
        assert snippet.end > snippet.start, f"empty {snippet}"
        assert math.isclose(snippet.start, snippet.index * length, abs_tol=1e-6)
    for before, after in itertools.pairwise(snippets):
        assert before.end == after.start, f"gap or overlap between {before} and {after}"
        assert math.isclose(before.duration, length, abs_tol=1e-6)


@pytest.mark.parametrize("length", LENGTHS)
def test_snippets_tile_the_video_exactly(length: float) -> None:
    settings = Settings(snippet_seconds=length)
    for duration in (d for d in DURATIONS if d / length <= 400):
        check_tiling(plan(duration, settings), duration, length)


def test_shorter_than_one_snippet_is_one_snippet_to_the_end() -> None:
    assert plan(7.52, Settings(snippet_seconds=30)) == [Snippet(0, 0.0, 7.52)]


def test_exact_multiple_has_no_empty_tail() -> None:
    assert plan(90.0, Settings(snippet_seconds=30)) == [
        Snippet(0, 0.0, 30.0),
        Snippet(1, 30.0, 60.0),
        Snippet(2, 60.0, 90.0),
    ]


def test_fractional_tail_is_its_own_snippet() -> None:
    assert plan(7.52, Settings(snippet_seconds=3)) == [
        Snippet(0, 0.0, 3.0),
        Snippet(1, 3.0, 6.0),
        Snippet(2, 6.0, 7.52),
    ]


@pytest.mark.parametrize(
    ("duration", "length"), [(30.00001, 30.0), (3600.003, 3600.0), (60.000001, 30.0)]
)
def test_float_noise_past_a_multiple_still_ends_at_the_duration(
    duration: float, length: float
) -> None:
    snippets = plan(duration, Settings(snippet_seconds=length))
    assert snippets[-1].end == duration
    assert len(snippets) == round(duration / length)


@pytest.mark.parametrize("duration", [0.0, -1.0, 4e-7, float("nan"), float("inf")])
def test_no_plan_for_a_duration_that_is_not_positive(duration: float) -> None:
    with pytest.raises(ValueError, match="duration must be a positive number"):
        plan(duration, Settings())


@pytest.mark.parametrize("interval", INTERVALS)
def test_frame_times_are_multiples_of_the_interval_below_the_duration(interval: float) -> None:
    settings = Settings(frame_interval=interval)
    for duration in (d for d in VIDEO_DURATIONS if d / interval <= 400):
        times = frame_times(duration, settings)
        assert times[0] == 0.0
        for n, t in enumerate(times):
            assert math.isclose(t, n * interval, abs_tol=1e-6)
            assert t < duration
        # The next multiple is not before the duration: no frame is left out.
        assert len(times) * interval >= duration - 1e-6


def test_frame_times_examples() -> None:
    assert frame_times(7.52, Settings()) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    assert frame_times(3.0, Settings()) == [0.0, 1.0, 2.0]
    assert frame_times(2.1, Settings(frame_interval=0.7)) == [0.0, 0.7, 1.4]
    assert frame_times(2.11, Settings(frame_interval=0.7)) == [0.0, 0.7, 1.4, 2.1]
    assert frame_times(0.5, Settings(frame_interval=2.0)) == [0.0]


@pytest.mark.parametrize("length", [2.5, 3.0, 7.0, 45.5])
@pytest.mark.parametrize("interval", [0.3, 0.7, 1.0, 2.0])
def test_each_frame_belongs_to_exactly_one_snippet(length: float, interval: float) -> None:
    """Snippet length and interval need not divide each other: frames are split across the
    snippets without a duplicate or a gap, each inside the snippet that renders it."""
    settings = Settings(snippet_seconds=length, frame_interval=interval)
    for duration in (d for d in VIDEO_DURATIONS[::2] if d / interval <= 400):
        owned: list[int] = []
        for snippet in plan(duration, settings):
            indices = frame_indices(snippet.start, snippet.end, settings)
            for n in indices:
                t = frame_time(n, settings)
                assert snippet.start - 1e-6 <= t < snippet.end
            owned.extend(indices)
        assert owned == list(frame_indices(0.0, duration, settings))


def test_no_frames_when_frames_are_off() -> None:
    settings = Settings(frames=False)
    assert frame_times(10.0, settings) == []
    assert len(frame_indices(0.0, 10.0, settings)) == 0


def test_frame_time_has_no_float_drift() -> None:
    settings = Settings(frame_interval=0.1)
    assert frame_time(3, settings) == 0.3
    assert frame_time(70, settings) == 7.0
