"""`sam build` without Docker: self-contained artifacts that import, with ffmpeg, under
Lambda's size limit."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.cloud.sim.template import default_template

from .. import systems

pytestmark = systems.only_on(
    systems.LINUX, reason="`sam build` makes the functions' Linux artifacts (make, manylinux)"
)

LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
MIN_FFMPEG = (8, 1, 3)


def _sam() -> str:
    venv_sam = Path(sys.executable).parent.parent / "sam" / "bin" / "sam"
    found = os.environ.get("FRAMEFAN_SAM") or (str(venv_sam) if venv_sam.exists() else None)
    found = found or shutil.which("sam")
    if not found:
        pytest.fail("the AWS SAM CLI is missing: run scripts/bootstrap.sh test")
    return found


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sam-build")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["SAM_CLI_TELEMETRY"] = "0"
    template = default_template()
    result = subprocess.run(
        [_sam(), "build", "--template-file", str(template), "--build-dir", str(out)],
        cwd=template.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("function", "handler"),
    [
        ("SnippetsFunction", "core.cloud.functions.snippets.handler"),
        ("ProcessFunction", "core.cloud.functions.process.handler"),
        ("FailureFunction", "core.cloud.functions.failures.handler"),
    ],
)
def test_built_handlers_import_from_their_artifact(built, function, handler):
    artifact = built / function
    module, _, name = handler.rpartition(".")
    code = (
        "import importlib, sys\n"
        f"m = importlib.import_module({module!r})\n"
        f"assert callable(getattr(m, {name!r}))\n"
        "import core, ffmpeg\n"
        "print(core.__file__); print(ffmpeg.__file__)\n"
    )
    # -I: no user site, no PYTHONPATH, no current folder; the artifact is the only code path
    # added, as in Lambda (/var/task), next to boto3 which the runtime provides.
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(artifact)!r})\n" + code],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    core_file, ffmpeg_file = result.stdout.split()
    assert core_file.startswith(str(artifact)) and ffmpeg_file.startswith(str(artifact))
    # Compiled at build time for the runtime's Python: a cold start does not compile.
    source = artifact / (module.replace(".", "/") + ".py")
    compiled = source.parent / "__pycache__" / f"{source.stem}.cpython-312.pyc"
    assert compiled.is_file(), sorted(p.name for p in compiled.parent.glob("*"))
    flags = int.from_bytes(compiled.read_bytes()[4:8], "little")
    assert flags == 0b01, "hash-based, not checked against the source's time"
    assert (artifact / "ffmpeg" / "__pycache__").is_dir()


@pytest.mark.slow
def test_layer_ships_a_recent_ffmpeg_and_everything_fits_in_lambda(built):
    ffmpeg = built / "FfmpegLayer" / "bin" / "ffmpeg"
    assert os.access(ffmpeg, os.X_OK)
    version = subprocess.run(
        [str(ffmpeg), "-hide_banner", "-version"], capture_output=True, text=True, timeout=30
    ).stdout
    numbers = re.match(r"ffmpeg version n?(\d+)\.(\d+)(?:\.(\d+))?", version)
    assert numbers, version[:80]
    assert tuple(int(n or 0) for n in numbers.groups()) >= MIN_FFMPEG
    layer = _size(built / "FfmpegLayer")
    for function in ("SnippetsFunction", "ProcessFunction", "FailureFunction"):
        total = _size(built / function) + layer
        assert total < LAMBDA_UNZIPPED_LIMIT, f"{function}: {total / 2**20:.0f} MB"
    built_template = (built / "template.yaml").read_text()
    assert "CodeUri: SnippetsFunction" in built_template
    assert "ContentUri: FfmpegLayer" in built_template
