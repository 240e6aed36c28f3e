"""``framefan export web JOB --publish``: a Lambda job's page in the results bucket, opened
from a presigned link over real HTTP (moto in server mode), every file it loads signed; the
buckets stay private; wrong requests are refused in one line."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from core.cloud.keys import results_prefix
from core.cloud.runner import STATE_NAME
from core.layout import frame_relpath, gif_relpath
from core.manifest import DONE

from ..export.test_export_cli import export, one_line_error
from .conftest import make_runner


@pytest.fixture
def lambda_job(aws_env, clip5: Path, tmp_path: Path) -> Path:
    # A name of its own: the emulator's buckets outlive the test (a job of the same name,
    # video and settings would be the same job on AWS).
    job_dir = tmp_path / f"publish-{tmp_path.name}"
    manifest = asyncio.run(make_runner().run_job(clip5, job_dir))
    assert manifest.status == DONE
    return job_dir


def _get(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=30) as answer:
        body = answer.read()
        if answer.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return body, answer.headers.get("Content-Type", "")


def _page_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="framefan-data">(.*?)</script>', page)
    assert found is not None
    return json.loads(found.group(1))


def test_a_published_page_opens_from_its_link_with_every_file_signed(
    lambda_job: Path, tmp_path: Path, s3, resources
) -> None:
    result = export("web", lambda_job, "--publish", "--expires", "2", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    published = json.loads(result.stdout)
    link = urlparse(published["url"])
    assert parse_qs(link.query)["X-Amz-Expires"] == ["7200"]
    assert "the link works until" in result.stderr
    cloud_job = json.loads((lambda_job / STATE_NAME).read_text())["cloud_job"]
    assert published["key"] == f"{results_prefix(cloud_job)}web/index.html"
    assert published["reused"] == 3 + 5  # every GIF and still was already in the bucket

    body, kind = _get(published["url"])
    assert kind.startswith("text/html")
    page = body.decode("utf-8")
    data = _page_data(page)
    # Each file the page loads has a presigned link of its own, valid as long as the page.
    links = re.findall(r'(?:href|src)="([^"]+)"', page)
    links += [s[1] for s in data["stills"]] + [s[2] for s in data["snippets"]]
    links += [c[2] for c in data["sprites"]["cues"][:1]]
    assert len(links) >= 2 + 5 + 3 + 1
    for url in links:
        url = url.replace("&amp;", "&")
        assert parse_qs(urlparse(url).query)["X-Amz-Expires"] == ["7200"], url
    assert _get(data["stills"][2][1])[0] == (lambda_job / frame_relpath(2)).read_bytes()
    assert _get(data["snippets"][1][2])[0] == (lambda_job / gif_relpath(1)).read_bytes()
    css = re.search(r'href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert _get(css)[1].startswith("text/css")

    # Nothing was made public: no grant beyond the owner, no bucket policy change.
    grants = s3.get_object_acl(Bucket=resources.results_bucket, Key=published["key"])["Grants"]
    assert all(g["Grantee"].get("Type") == "CanonicalUser" for g in grants)


def test_stills_the_bucket_no_longer_holds_are_sent_with_the_page(
    lambda_job: Path, tmp_path: Path, s3, resources
) -> None:
    cloud_job = json.loads((lambda_job / STATE_NAME).read_text())["cloud_job"]
    gone = f"{results_prefix(cloud_job)}{frame_relpath(1)}"
    s3.delete_object(Bucket=resources.results_bucket, Key=gone)
    result = export("web", lambda_job, "--publish", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    published = json.loads(result.stdout)
    assert parse_qs(urlparse(published["url"]).query)["X-Amz-Expires"] == [str(72 * 3600)]
    data = _page_data(_get(published["url"])[0].decode())
    still = data["stills"][1][1]
    assert "/web/files/frames/" in urlparse(still).path
    assert _get(still)[0] == (lambda_job / frame_relpath(1)).read_bytes()


def test_wrong_requests_are_refused_in_one_line(
    lambda_job: Path, tmp_path: Path, step_job_local: Path
) -> None:
    one_line_error(
        export("web", lambda_job, "--publish", "--expires", "200", cwd=tmp_path),
        2,
        "at most 168 hours",
    )
    one_line_error(export("web", lambda_job, cwd=tmp_path), 2, "give -o DIR")
    one_line_error(export("web", step_job_local, "--publish", cwd=tmp_path), 2, "not on AWS Lambda")
    (lambda_job / STATE_NAME).unlink()
    one_line_error(
        export("web", lambda_job, "--publish", cwd=tmp_path), 2, "no record of the job on AWS"
    )


@pytest.fixture
def step_job_local(clip5: Path, tmp_path: Path) -> Path:
    from core.runner import LocalRunner

    from .conftest import SETTINGS

    job_dir = tmp_path / "local"
    assert asyncio.run(LocalRunner(SETTINGS, workers=1).run_job(clip5, job_dir)).status == DONE
    return job_dir


def test_the_published_page_works_in_a_browser(lambda_job: Path, tmp_path: Path) -> None:
    from ..export.test_web import CHROMIUM, DRIVER, start_browser

    if not (CHROMIUM and DRIVER):
        pytest.skip("needs Debian's chromium and chromium-driver")
    result = export("web", lambda_job, "--publish", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    url = json.loads(result.stdout)["url"]
    with start_browser() as page:
        page.get(url)
        errors = [e for e in page.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
        assert errors == []
        loaded = "return [...document.images].filter(i => i.src).every(i => i.naturalWidth > 0)"
        still = page.find_element("id", "still")
        assert "frames/000000.jpg" in still.get_attribute("src")
        slider = page.find_element("id", "slider")
        page.execute_script(
            "arguments[0].value = '4'; arguments[0].dispatchEvent(new Event('input'))", slider
        )
        assert "frames/000004.jpg" in still.get_attribute("src")
        from selenium.webdriver.support.ui import WebDriverWait

        # The still and the GIF come through their own links.
        WebDriverWait(page, 20).until(lambda driver: driver.execute_script(loaded))
