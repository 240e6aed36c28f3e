"""Reading and writing a job's manifest and completion records in the results bucket."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from ..errors import ManifestError
from ..manifest import Manifest
from .keys import manifest_key, record_key, records_prefix
from .records import RecordError, SnippetResult

log = logging.getLogger(__name__)

_MISSING = {"NoSuchKey", "404", "NotFound"}


def is_missing(exc: Exception) -> bool:
    return (
        isinstance(exc, botocore.exceptions.ClientError)
        and str(exc.response.get("Error", {}).get("Code")) in _MISSING
    )


@dataclass
class ResultsStore:
    s3: Any
    bucket: str

    def get_bytes(self, key: str) -> bytes | None:
        try:
            return bytes(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except botocore.exceptions.ClientError as exc:
            if is_missing(exc):
                return None
            raise

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

    def record_listing(self, job_id: str) -> dict[int, tuple[str, str]]:
        """Key and ETag of the job's completion records, by snippet index."""
        found: dict[int, tuple[str, str]] = {}
        paginator = self.s3.get_paginator("list_objects_v2")
        prefix = records_prefix(job_id)
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents") or []:
                stem = item["Key"][len(prefix) :].removesuffix(".json")
                if stem.isdigit() and item["Key"].endswith(".json"):
                    found[int(stem)] = (item["Key"], str(item.get("ETag", "")))
        return found

    def record_keys(self, job_id: str) -> dict[int, str]:
        """Keys of the job's completion records, by snippet index."""
        return {index: key for index, (key, _) in self.record_listing(job_id).items()}

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
        result = {}
        for index, key in self.record_keys(job_id).items():
            record = self.record(key)
            if record is not None and record.index == index:
                result[index] = record
        return result

    def put_record(self, job_id: str, record: SnippetResult) -> None:
        self.put_bytes(record_key(job_id, record.index), record.to_json(), "application/json")
