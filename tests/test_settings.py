"""Settings: defaults, validation with clear messages, string conversions."""

from __future__ import annotations

from dataclasses import fields
from fractions import Fraction

import pytest

from core.errors import SettingsError
from core.settings import FIELDS, Settings


def test_defaults_reproduce_the_reference_output() -> None:
    settings = Settings()
    assert settings.snippet_seconds == 30
    assert settings.gif_fps == 10
    assert settings.gif_width == 240
    assert settings.frame_interval == 1.0
    assert settings.frame_width == 640
    assert settings.frames is True
    assert settings.jpeg_quality == 85


def test_every_setting_is_declared_once_with_label_and_help() -> None:
    names = [f.name for f in fields(Settings)]
    assert sorted(names) == sorted(FIELDS)
    for name in names:
        assert FIELDS[name].label and FIELDS[name].help


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"snippet_seconds": 0}, "snippet_seconds must be between 1 and 3600 s"),
        ({"snippet_seconds": 3601}, "snippet_seconds must be between 1 and 3600 s"),
        ({"gif_fps": 0}, "gif_fps must be between 1 and 50 fps"),
        ({"gif_fps": 51}, "gif_fps must be between 1 and 50 fps"),
        ({"gif_fps": 2.5}, "gif_fps must be a whole number"),
        ({"gif_width": 8}, "gif_width must be between 16 and 1920 px"),
        ({"frame_interval": 0.05}, "frame_interval must be between 0.1 and 3600 s"),
        ({"frame_width": 8}, "frame_width must be 0 (video size) or at least 16 px"),
        ({"frame_width": -1}, "frame_width must be between 0 and 7680 px"),
        ({"jpeg_quality": 0}, "jpeg_quality must be between 1 and 100"),
        ({"jpeg_quality": 101}, "jpeg_quality must be between 1 and 100"),
        ({"frames": "yes"}, "frames must be true or false"),
        ({"frames": 1}, "frames must be true or false"),
        ({"gif_fps": True}, "gif_fps must be a number"),
        ({"snippet_seconds": "30"}, "snippet_seconds must be a number"),
        ({"snippet_seconds": float("nan")}, "snippet_seconds must be a finite number"),
        ({"frame_interval": float("inf")}, "frame_interval must be a finite number"),
    ],
)
def test_invalid_values_are_rejected_with_a_message(changes: dict, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(**changes)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_bounds_are_inclusive() -> None:
    low = Settings(
        snippet_seconds=1,
        gif_fps=1,
        gif_width=16,
        frame_interval=0.1,
        frame_width=0,
        jpeg_quality=1,
    )
    high = Settings(
        snippet_seconds=3600,
        gif_fps=50,
        gif_width=1920,
        frame_interval=3600,
        frame_width=7680,
        jpeg_quality=100,
    )
    assert low.frame_width == 0
    assert high.gif_fps == 50


def test_whole_floats_become_ints_and_ints_become_floats() -> None:
    settings = Settings(gif_fps=12.0, snippet_seconds=3)
    assert settings.gif_fps == 12 and isinstance(settings.gif_fps, int)
    assert isinstance(settings.snippet_seconds, float)


def test_settings_are_frozen_and_compare_by_value() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.gif_fps = 5  # type: ignore[misc]
    assert settings == Settings()
    assert settings.with_changes(gif_fps=5) == Settings(gif_fps=5)
    with pytest.raises(SettingsError):
        settings.with_changes(gif_fps=500)


def test_from_dict_accepts_strings_as_metadata_would_carry_them() -> None:
    settings = Settings.from_dict(
        {
            "snippet_seconds": " 12.5 ",
            "gif_fps": "15",
            "gif_width": "320.0",
            "frame_interval": "0.5",
            "frame_width": "0",
            "frames": "off",
            "jpeg_quality": "90",
        }
    )
    assert settings == Settings(
        snippet_seconds=12.5,
        gif_fps=15,
        gif_width=320,
        frame_interval=0.5,
        frame_width=0,
        frames=False,
        jpeg_quality=90,
    )


@pytest.mark.parametrize(("text", "value"), [("1", True), ("TRUE", True), ("no", False)])
def test_from_dict_reads_booleans(text: str, value: bool) -> None:
    assert Settings.from_dict({"frames": text}).frames is value


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"gif_fps": "ten"}, "gif_fps has an invalid value 'ten'"),
        ({"frames": "maybe"}, "frames has an invalid value 'maybe'"),
        ({"gif_fps": "2.5"}, "gif_fps must be a whole number"),
        ({"colour": "red", "gif_fps": 3}, "unknown setting(s): colour"),
    ],
)
def test_from_dict_errors(data: dict, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_dict(data)
    assert message in str(caught.value)


def test_missing_keys_keep_their_default() -> None:
    assert Settings.from_dict({"gif_fps": 5}) == Settings(gif_fps=5)


@pytest.mark.parametrize(
    "settings",
    [
        Settings(),
        Settings(snippet_seconds=2.5, frame_interval=0.7, frames=False, frame_width=0),
        Settings(gif_fps=50, gif_width=16, jpeg_quality=1),
    ],
)
def test_strings_round_trip(settings: Settings) -> None:
    strings = settings.to_strings()
    assert all(isinstance(v, str) for v in strings.values())
    assert Settings.from_dict(strings) == settings
    assert Settings.from_dict(settings.to_dict()) == settings


def test_to_strings_is_plain() -> None:
    strings = Settings().to_strings()
    assert strings["snippet_seconds"] == "30"
    assert strings["frame_interval"] == "1"
    assert strings["frames"] == "true"


def test_frame_rate_is_an_exact_fraction() -> None:
    assert Settings(frame_interval=1).frame_rate == 1
    assert Settings(frame_interval=0.5).frame_rate == 2
    assert Settings(frame_interval=0.3).frame_rate == Fraction(10, 3)
    assert Settings(frame_interval=2.5).frame_rate == Fraction(2, 5)


def test_jpeg_quality_maps_onto_ffmpegs_quantiser() -> None:
    assert Settings(jpeg_quality=1).jpeg_qscale == 31
    assert Settings(jpeg_quality=100).jpeg_qscale == 2
    scales = [Settings(jpeg_quality=q).jpeg_qscale for q in range(1, 101)]
    assert scales == sorted(scales, reverse=True)
