"""Following a cloud job: completion records in, outputs downloaded, the local job updated.

Polls the results bucket with backoff. Each snippet settles once: a ``done`` record (of any
run, for this version of the source) makes its GIF and stills be downloaded into the local
job folder, in the same layout as the local backend; a ``failed`` or ``cancelled`` record of
the followed run marks it failed. The local manifest is saved as a local job's is
(:mod:`core.manifest_writer`: at the start and the end at once, in between as often as its
size allows), so the CLI and the GUI read a cloud job exactly like a local one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_atomic
from ..events import JobEvent, JobProgress, SnippetFailed, SnippetFinished
from ..layout import frame_relpath
from ..manifest import DONE, FAILED, PENDING, Manifest, SnippetRecord
from ..manifest_writer import ManifestWriter
from ..progress import ProgressTracker
from .keys import result_key
from .records import DONE as RECORD_DONE
from .records import SnippetResult
from .store import ResultsStore

log = logging.getLogger(__name__)

BACKEND, HYBRID = "lambda", "hybrid"


@dataclass
class Polling:
    """How often to look for results: ``first`` seconds, growing by ``factor`` up to
    ``longest`` while nothing changes; give up after ``stall`` seconds without news (None:
    the stack's ``RunStallSeconds`` and a minute)."""

    first: float = 0.5
    longest: float = 10.0
    factor: float = 1.5
    stall: float | None = None


class Follower:
    def __init__(
        self,
        store: ResultsStore,
        cloud_job: str,
        run: str,
        fingerprint: str,
        manifest: Manifest,
        job_dir: Path,
        emit: Callable[[JobEvent], None],
        polling: Polling,
        downloads: int = 8,
        activity: Callable[[], float] | None = None,
        focus: Callable[[], float | None] | None = None,
        writer: ManifestWriter | None = None,
    ) -> None:
        self.store = store
        self.cloud_job = cloud_job
        self.run = run
        self.fingerprint = fingerprint
        self.manifest = manifest
        self.job_dir = job_dir
        self.emit = emit
        self.polling = polling
        self._downloads = asyncio.Semaphore(downloads)
        self._seen: dict[int, str] = {}  # snippet index → ETag of the record last read
        self.tracker = ProgressTracker.for_manifest(manifest)
        self.gave_up = False  # the stall time passed with snippets unsettled
        self.writer = writer or ManifestWriter(
            manifest, job_dir, lambda exc: log.warning("%s: %s", manifest.job_id, exc)
        )
        # Where the user looks (seconds into the video): results there are downloaded first.
        self.focus = focus or (lambda: None)
        # When this machine last did something for the job (uploading its segments,
        # rendering some of it): news too, so a slow upload is not taken for a stall.
        self.activity = activity
        self.changed = asyncio.Event()  # set when a snippet settles

    def unsettled(self) -> list[SnippetRecord]:
        return [s for s in self.manifest.snippets if s.status not in (DONE, FAILED)]

    async def follow(self) -> None:
        """Return once every snippet is settled (or the stall time has passed)."""
        loop = asyncio.get_running_loop()
        delay = self.polling.first
        last_news = loop.time()
        stall = self.polling.stall if self.polling.stall is not None else 1260.0
        while self.unsettled():
            changed = await self._poll()
            if self.activity is not None:
                last_news = max(last_news, self.activity())
            if changed:
                delay, last_news = self.polling.first, loop.time()
            elif loop.time() - last_news > stall:
                self._give_up()
                return
            else:
                delay = min(self.polling.longest, delay * self.polling.factor)
            if self.unsettled():
                await asyncio.sleep(delay)

    async def poll(self) -> bool:
        """Settle what the cloud has finished now; True if anything settled."""
        return await self._poll()

    async def _poll(self) -> bool:
        listing = await asyncio.to_thread(self.store.record_listing, self.cloud_job)
        # A record already read and found not to count (an earlier run's failure, say) is
        # read again only once it has been replaced.
        wanted = {
            s.index: s
            for s in self._first_looked_at(self.unsettled())
            if s.index in listing and self._seen.get(s.index) != listing[s.index][1]
        }
        if not wanted:
            return False
        records = await asyncio.gather(
            *(asyncio.to_thread(self.store.record, listing[i][0]) for i in wanted)
        )
        changed = False
        for index, record in zip(wanted, records, strict=True):
            self._seen[index] = listing[index][1]
            if record is None or record.index != index or not self._counts(record):
                continue
            await self._settle(wanted[record.index], record)
            changed = True
        return changed

    def _first_looked_at(self, snippets: list[SnippetRecord]) -> list[SnippetRecord]:
        """``snippets`` in the order to download them: from where the user looks on."""
        focus = self.focus()
        if focus is None:
            return snippets
        return sorted(snippets, key=lambda s: (s.end <= focus, s.index))

    def _counts(self, record: SnippetResult) -> bool:
        if record.fingerprint != self.fingerprint:
            return False
        return record.status == RECORD_DONE or record.run == self.run

    async def _settle(self, snippet: SnippetRecord, record: SnippetResult) -> None:
        if snippet.status == DONE:
            return  # rendered here meanwhile (a hybrid job)
        if record.status == RECORD_DONE:
            paths = [record.gif or "", *(frame_relpath(n) for n in record.frames)]
            try:
                await asyncio.gather(*(self._download(p) for p in paths))
            except Exception as exc:
                self.fail(snippet, f"snippet {snippet.index + 1}: downloading failed: {exc}")
                return
            if snippet.status == DONE:
                return  # rendered here while downloading: the first one is kept
            self.done(snippet, record.gif or "", record.render_seconds or 0.0, BACKEND)
        else:
            reason = record.error or f"the cloud run was {record.status}"
            self.fail(snippet, reason)
            self.progress()

    async def _download(self, relpath: str) -> None:
        if not relpath or relpath.startswith("/") or ".." in relpath.split("/"):
            raise ValueError(f"unexpected output path {relpath!r}")
        async with self._downloads:
            data = await asyncio.to_thread(
                self.store.get_bytes, result_key(self.cloud_job, relpath)
            )
        if data is None:
            raise FileNotFoundError(f"{relpath} is missing from the results")
        await asyncio.to_thread(write_atomic, self.job_dir / relpath, data)

    def done(self, snippet: SnippetRecord, gif: str, seconds: float, backend: str) -> None:
        """Record ``snippet`` done (its files are in place) and say so."""
        snippet.status, snippet.gif, snippet.error = DONE, gif, None
        snippet.seconds = seconds
        hybrid = self.manifest.backend == HYBRID
        snippet.backend = backend if hybrid else None
        self.tracker.update(snippet.index, 1.0)
        self.writer.save_soon()
        frames = tuple(f for f in self.manifest.frames if snippet.start <= f.t < snippet.end)
        self.emit(
            SnippetFinished(
                self.manifest.job_id,
                snippet.index,
                gif,
                frames,
                seconds,
                backend if hybrid else "",
            )
        )
        self.changed.set()
        self.progress()

    def fail(self, snippet: SnippetRecord, error: str) -> None:
        snippet.status, snippet.error = FAILED, error
        self.tracker.drop(snippet.index)
        self.writer.save_soon()
        self.emit(SnippetFailed(self.manifest.job_id, snippet.index, error))
        self.changed.set()

    def _give_up(self) -> None:
        self.gave_up = True
        minutes = (self.polling.stall or 0) / 60
        for snippet in self.unsettled():
            self.fail(
                snippet,
                f"snippet {snippet.index + 1}: no result from the cloud within "
                f"{_minutes(minutes)} (see the process function's logs); run again to retry",
            )
        self.progress()

    def save(self) -> Path:
        """Write the manifest now."""
        return self.writer.save()

    def progress(self) -> None:
        counts = self.manifest.counts()
        self.emit(
            JobProgress(
                self.manifest.job_id,
                self.tracker.fraction,
                counts[DONE],
                counts[FAILED],
                len(self.manifest.snippets),
                self.tracker.eta,
            )
        )

    def reset_pending(self) -> None:
        for snippet in self.manifest.snippets:
            if snippet.status != DONE:
                snippet.status, snippet.error = PENDING, None


def _minutes(minutes: float) -> str:
    return f"{minutes:.0f} min" if minutes >= 1 else f"{minutes * 60:.0f} s"
