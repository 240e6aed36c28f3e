"""A running job's manifest is written when it matters and otherwise in batches, so that
its cost per snippet does not grow with the job."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from core.layout import MANIFEST_NAME
from core.manifest import DONE, Manifest, SourceInfo
from core.manifest_writer import ManifestWriter, SavePolicy
from core.settings import Settings

from .test_ffmpeg_process import until

SOURCE = SourceInfo(name="long.mov", duration=3600.0, width=1920, height=1080)


def test_the_policy_waits_longer_after_large_or_slow_writes() -> None:
    policy = SavePolicy(interval=1.5, bytes_per_second=50_000, max_share=0.05)
    assert policy.wait(0.0) == 0
    policy.written(10.0, took=0.01, size=10_000)
    assert policy.wait(10.0) == 1.5  # small and quick: the interval
    policy.written(10.0, took=0.01, size=2_000_000)
    assert policy.wait(10.0) == 40.0  # 2 MB at 50 kB/s
    policy.written(10.0, took=3.0, size=10_000)
    assert policy.wait(10.0) == 60.0  # a slow disk: 5 % of the time
    assert policy.wait(100.0) == 0


def test_many_snippets_finishing_at_once_are_written_in_one_batch(tmp_path: Path) -> None:
    manifest = Manifest.planned("long-1", SOURCE, Settings(snippet_seconds=10))
    errors: list[OSError] = []

    async def finish_all() -> ManifestWriter:
        policy = SavePolicy(interval=0.3, bytes_per_second=1e9)
        writer = ManifestWriter(manifest, tmp_path, errors.append, policy)
        writer.save()  # the start: at once
        inodes = {os.stat(tmp_path / MANIFEST_NAME).st_ino}
        for record in manifest.snippets:  # 360 snippets done within a moment
            record.status, record.gif = DONE, f"gifs/{record.index:05d}.gif"
            writer.save_soon()
            inodes.add(os.stat(tmp_path / MANIFEST_NAME).st_ino)
        assert len(inodes) == 1  # nothing more written yet: the interval has not passed
        # the batch, once the interval has passed
        await until(lambda: writer.writes >= 2, "the batch was never written")
        return writer

    writer = asyncio.run(finish_all())
    assert errors == []
    assert writer.writes == 2  # the start, and one batch for all 360
    assert Manifest.load(tmp_path).counts()[DONE] == 360
    assert writer.bytes_written > (tmp_path / MANIFEST_NAME).stat().st_size
