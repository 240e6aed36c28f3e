"""Fixtures for the cloud path: one emulator for these tests (moto server + the real handlers),
AWS settings pointing clients at it, and small generated videos. The desktop app's tests
start their emulators with the same helpers (:func:`start_sim`, :func:`use_sim`)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.cloud.follow import Polling
from core.cloud.runner import LambdaRunner
from core.cloud.sim.chaos import Chaos
from core.cloud.sim.emulator import CloudSim
from core.cloud.sim.template import default_template
from core.cloud.stack import CloudTarget, StackResources, connect
from core.settings import Settings

from .. import media, systems

STACK = "framefan-test"
SOURCE_BUCKET = "footage-test"  # the stack's one source bucket (SourceBuckets)
SETTINGS = Settings(snippet_seconds=2, gif_fps=5, gif_width=64, frame_width=80)
FAST_POLLING = Polling(first=0.2, longest=1.0, stall=120)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The offline AWS emulator (core.cloud.sim) runs each function invocation as a POSIX
    process group; on Windows these tests are skipped, saying so."""
    here = Path(__file__).parent
    mark = systems.only_on(*systems.posix, reason="the cloud emulator needs POSIX process groups")
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(mark)


def start_sim(stack: str = STACK) -> CloudSim:
    """A running emulator of the template's stack. Emulators of one process share moto's
    state: each needs a stack name of its own."""
    return CloudSim(
        default_template(),
        stack=stack,
        workers=2,
        retry_delay=1,
        parameters={"SourceBuckets": SOURCE_BUCKET},
    ).start()


def use_sim(sim: CloudSim, monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Point this process's AWS SDK at ``sim``, as a desktop user would (``AWS_ENDPOINT_URL``
    and any key id): no profile and no AWS files of the machine are read."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", sim.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "editor")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "editor-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(folder / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "no-aws-credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(scope="package")
def sim_session() -> Iterator[CloudSim]:
    # Stopped once the cloud tests are done: its threads must not run on into other tests
    # (the desktop app's leak guards count threads).
    sim = start_sim()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def sim(sim_session: CloudSim) -> Iterator[CloudSim]:
    """The emulator, left idle (no invocation running) and without overrides or faults after
    the test."""
    outputs = dict(sim_session.model.outputs) if sim_session.model else {}
    yield sim_session
    try:
        sim_session.wait_idle(timeout=120)
    finally:
        sim_session.env_overrides.clear()
        sim_session.timeout_overrides.clear()
        sim_session.set_chaos(Chaos())
        if sim_session.model and sim_session.model.outputs != outputs:
            sim_session.set_outputs(**outputs)


@pytest.fixture
def aws_env(sim: CloudSim, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CloudSim:
    """Environment of a desktop user whose AWS endpoint is the emulator."""
    use_sim(sim, monkeypatch, tmp_path)
    return sim


@pytest.fixture
def resources(aws_env: CloudSim) -> StackResources:
    return connect(CloudTarget(STACK)).resources


@pytest.fixture
def s3(aws_env: CloudSim):
    return aws_env.client("s3")


def make_runner(events: list | None = None, **changes) -> LambdaRunner:
    """A Lambda runner for the test stack; it sends whole files unless told otherwise."""
    options = {"polling": FAST_POLLING, "upload": "whole", **changes}
    settings = options.pop("settings", SETTINGS)
    options.setdefault("on_event", events.append if events is not None else None)
    return LambdaRunner(settings, CloudTarget(STACK), **options)


@pytest.fixture(scope="session")
def clip5(make_video) -> Path:
    """5 s, 160×120: three 2 s snippets (the last one 1 s long)."""
    return make_video(media.Spec("cloud-5s.mp4", "testsrc=d=5:s=160x120:r=25"))


@pytest.fixture
def named_clip(clip5: Path, tmp_path: Path):
    """A copy of the 5 s clip under a given file name."""

    def copy(name: str) -> Path:
        folder = tmp_path / f"in-{len(list(tmp_path.glob('in-*')))}"
        folder.mkdir()
        target = folder / name
        shutil.copyfile(clip5, target)
        return target

    return copy
