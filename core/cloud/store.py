"""Reading and writing a job's manifest and completion records in the results bucket."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import botocore.exceptions

from ..errors import ManifestError
from ..manifest import Manifest
from .keys import manifest_key, record_key, records_prefix, run_key, run_outcome_key
from .records import RecordError, SnippetResult
from .runs import JobRecords, RunRecord, RunRecordError

log = logging.getLogger(__name__)

_MISSING = {"NoSuchKey", "404", "NotFound"}
_READERS = 16  # records read at once
_SENT_TRIES = 8
# A conditional write lost to another writer.
_CONFLICT = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}


def is_missing(exc: Exception) -> bool:
    return (
        isinstance(exc, botocore.exceptions.ClientError)
        and str(exc.response.get("Error", {}).get("Code")) in _MISSING
    )


def is_conflict(exc: Exception) -> bool:
    return (
        isinstance(exc, botocore.exceptions.ClientError)
        and str(exc.response.get("Error", {}).get("Code")) in _CONFLICT
    )


@dataclass
class ResultsStore:
    s3: Any
    bucket: str
    # S3's clock, from the Date of the last answer (the desktop's clock may be off).
    server_time: float | None = field(default=None, init=False)
    _seen_at: float = field(default=0.0, init=False)

    def now(self) -> float:
        """The current time by S3's clock when known, else this machine's."""
        if self.server_time is None:
            return time.time()
        return self.server_time + time.monotonic() - self._seen_at

    def _note_date(self, response: Any) -> None:
        date = (response.get("ResponseMetadata") or {}).get("HTTPHeaders", {}).get("date")
        if date:
            try:
                self.server_time = parsedate_to_datetime(date).timestamp()
                self._seen_at = time.monotonic()
            except (TypeError, ValueError):
                pass

    def get_bytes(self, key: str) -> bytes | None:
        return self.get_with_etag(key)[0]

    def get_with_etag(self, key: str) -> tuple[bytes | None, str | None]:
        try:
            response = self.s3.get_object(Bucket=self.bucket, Key=key)
        except botocore.exceptions.ClientError as exc:
            if is_missing(exc):
                return None, None
            raise
        self._note_date(response)
        return bytes(response["Body"].read()), str(response.get("ETag", ""))

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def manifest(self, job_id: str) -> Manifest | None:
        """The job's manifest, or None while there is none (or it is unreadable)."""
        raw = self.get_bytes(manifest_key(job_id))
        if raw is None:
            return None
        try:
            return Manifest.from_dict(json.loads(raw), f"results of job {job_id}")
        except (ValueError, ManifestError) as exc:
            log.warning("ignoring the manifest of job %s: %s", job_id, exc)
            return None

    def put_manifest(self, manifest: Manifest) -> None:
        self.put_bytes(
            manifest_key(manifest.job_id), manifest.to_json().encode("utf-8"), "application/json"
        )

    def record_listing(self, job_id: str) -> dict[int, tuple[str, str, float]]:
        """Key, ETag and time written (epoch) of the job's completion records, by index."""
        found: dict[int, tuple[str, str, float]] = {}
        paginator = self.s3.get_paginator("list_objects_v2")
        prefix = records_prefix(job_id)
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            self._note_date(page)
            for item in page.get("Contents") or []:
                stem = item["Key"][len(prefix) :].removesuffix(".json")
                if stem.isdigit() and item["Key"].endswith(".json"):
                    written = item.get("LastModified")
                    found[int(stem)] = (
                        item["Key"],
                        str(item.get("ETag", "")),
                        written.timestamp() if written is not None else 0.0,
                    )
        return found

    def record_keys(self, job_id: str) -> dict[int, str]:
        """Keys of the job's completion records, by snippet index."""
        return {index: item[0] for index, item in self.record_listing(job_id).items()}

    def job_records(self, job_id: str) -> JobRecords:
        """Every completion record of the job, with when it was written."""
        listing = self.record_listing(job_id)
        keys = [key for key, _, _ in listing.values()]
        with ThreadPoolExecutor(_READERS) as pool:
            read = dict(zip(listing, pool.map(self.record, keys), strict=True))
        records = {i: r for i, r in read.items() if r is not None and r.index == i}
        return JobRecords(records, {i: listing[i][2] for i in records})

    def record(self, key: str) -> SnippetResult | None:
        raw = self.get_bytes(key)
        if raw is None:
            return None
        try:
            return SnippetResult.from_json(raw)
        except RecordError as exc:
            log.warning("ignoring record %s: %s", key, exc)
            return None

    def records(self, job_id: str) -> dict[int, SnippetResult]:
        return dict(self.job_records(job_id).records)

    def put_record(self, job_id: str, record: SnippetResult) -> None:
        self.put_bytes(record_key(job_id, record.index), record.to_json(), "application/json")

    # -- runs -----------------------------------------------------------------------------------

    def current_run(self, job_id: str) -> tuple[RunRecord | None, str | None]:
        """The job's current run and the ETag to claim the next one with."""
        raw, etag = self.get_with_etag(run_key(job_id))
        if raw is None:
            return None, None
        try:
            return RunRecord.from_json(raw), etag
        except RunRecordError as exc:
            log.warning("ignoring the run record of job %s: %s", job_id, exc)
            return None, etag

    def claim_run(self, job_id: str, record: RunRecord, etag: str | None) -> bool:
        """Make ``record`` the current run if the current one is still the one read with
        ``etag`` (None: if there is none); False when another writer came first."""
        condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=run_key(job_id),
                Body=record.to_json(),
                ContentType="application/json",
                **condition,
            )
        except botocore.exceptions.ClientError as exc:
            if is_conflict(exc):
                return False
            raise
        return True

    def add_sent(self, job_id: str, run: str, index: int, now: float) -> bool:
        """Record that snippet ``index`` was sent for ``run``, if it is still the current
        run (False otherwise); concurrent writers are detected and tried again."""
        for _ in range(_SENT_TRIES):
            current, etag = self.current_run(job_id)
            if current is None or current.run != run:
                return False
            sent = tuple(sorted({*(current.sent or ()), index}))
            if self.claim_run(job_id, current.with_changes(sent=sent, updated=now), etag):
                return True
        raise RuntimeError(f"job {job_id}: the run record kept changing; retrying")

    def put_run(self, job_id: str, record: RunRecord) -> None:
        self.put_bytes(run_key(job_id), record.to_json(), "application/json")

    def put_run_outcome(self, job_id: str, record: RunRecord) -> None:
        self.put_bytes(run_outcome_key(job_id, record.run), record.to_json(), "application/json")

    def run_outcome(self, job_id: str, run: str) -> RunRecord | None:
        raw = self.get_bytes(run_outcome_key(job_id, run))
        if raw is None:
            return None
        try:
            return RunRecord.from_json(raw)
        except RunRecordError as exc:
            log.warning("ignoring the record of run %s of job %s: %s", run, job_id, exc)
            return None
