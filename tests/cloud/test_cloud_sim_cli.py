"""`framefan cloud-sim` as a user runs it: a READY line, `framefan process --backend lambda`
against it, and a clean stop on Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from core.cli import main
from core.ffmpeg_locator import find_ffmpeg

READY = re.compile(r"^READY AWS_ENDPOINT_URL=(http://127\.0\.0\.1:(\d+)) STACK=(\S+)$")


def _framefan() -> list[str]:
    return [str(Path(sys.executable).parent / "framefan")]


def _held_ffmpeg(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The emulator's ffmpeg (its layer links to ``FRAMEFAN_FFMPEG``): while the hold file
    exists, each call says it started (the started file) and waits."""
    started, hold = tmp_path / "started", tmp_path / "hold"
    wrapper = tmp_path / "ffmpeg-held"
    wrapper.write_text(
        f'#!/bin/sh\nif [ -e "{hold}" ]; then case " $* " in *" -version "*) ;; *) '
        f'touch "{started}"; while [ -e "{hold}" ]; do sleep 0.1; done;; esac; fi\n'
        f'exec "{find_ffmpeg()}" "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper, started, hold


def _wait_for(condition, what: str, within: float = 120) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.mark.slow
def test_cloud_sim_serves_the_cli_and_stops_on_interrupt_mid_invocation(clip5, tmp_path):
    wrapper, started, hold = _held_ffmpeg(tmp_path)
    sim = subprocess.Popen(
        [*_framefan(), "cloud-sim", "--workers", "2", "--stack", "cli-stack"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "FRAMEFAN_FFMPEG": str(wrapper)},
    )
    client = None
    try:
        ready: list[str] = []
        reader = threading.Thread(target=lambda: ready.append(sim.stdout.readline()), daemon=True)
        reader.start()
        reader.join(60)
        assert ready and READY.match(ready[0].rstrip("\n")), ready
        endpoint, _, stack = READY.match(ready[0].rstrip("\n")).groups()
        assert stack == "cli-stack"

        env = {
            **os.environ,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "editor",
            "AWS_SECRET_ACCESS_KEY": "editor",
            "AWS_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(tmp_path / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        }
        env.pop("AWS_DEFAULT_REGION", None)
        env.pop("AWS_PROFILE", None)
        out = tmp_path / "out"
        process = [*_framefan(), "process", "--backend", "lambda", "--stack", "cli-stack",
                   "--json", "--snippet-seconds", "2", "--out", str(out)]  # fmt: skip
        done = subprocess.run(
            [*process, str(clip5)], env=env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stderr
        record = json.loads(done.stdout)
        assert record["status"] == "done" and record["error"] is None
        job = Path(record["manifest"]).parent
        assert sorted(p.name for p in (job / "gifs").iterdir()) == [
            "00000.gif", "00001.gif", "00002.gif"
        ]  # fmt: skip
        assert len(list((job / "frames").iterdir())) == 5

        # A second job, its ffmpeg held: Ctrl-C lands while an invocation runs.
        hold.touch()
        second = tmp_path / "second.mp4"
        second.write_bytes(clip5.read_bytes())
        client = subprocess.Popen(
            [*process, str(second)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait_for(started.exists, "no invocation started its ffmpeg")
        children = psutil.Process(sim.pid).children(recursive=True)
        running = " ".join(" ".join(c.cmdline()) for c in children)
        assert "core.cloud.sim.invoke" in running and "/opt/bin/ffmpeg" in running, running
        sim.send_signal(signal.SIGINT)
        assert sim.wait(30) == 0
        assert "cloud-sim stopped" in sim.stderr.read()
        left = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        assert not left, left
    finally:
        hold.unlink(missing_ok=True)
        for process in (sim, client):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        sim.stdout.close()
        sim.stderr.close()


def test_cloud_sim_without_its_packages_says_how_to_get_them(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "core.cloud.sim.emulator", None)
    assert main(["cloud-sim"]) == 1
    err = capsys.readouterr().err
    assert "pip install 'framefan[sim]'" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["process", "--backend", "lambda", "x.mp4"], "--backend lambda needs --stack"),
        (["cloud-sim", "--workers", "0"], "--workers must be at least 1"),
        (["cloud-sim", "--chaos", "explode=1"], "unknown chaos spec 'explode=1'"),
        (["cloud-sim", "--chaos", "crash-snippet=x"], "expected one of: crash-snippet=K"),
        (["process", "--backend", "auto", "x.mp4"], "--backend auto needs --stack"),
        (["estimate", "--uplink-mbps", "0", "x.mp4"], "--uplink-mbps must be more than 0"),
    ],
)
def test_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
