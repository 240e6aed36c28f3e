"""The GitHub workflows (.github/workflows/): actionlint (with ShellCheck for their scripts)
finds nothing, and what they run matches what the project documents: the Python version
pyproject.toml asks for, its extras, the commands of scripts/, build.spec's outputs and the
Windows installer script's parameters. The workflows run for real on GitHub's Linux, macOS
and Windows machines; here they are checked statically."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import app_icons

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SCRIPTS = ROOT / "scripts"


def load(name: str) -> dict:
    # PyYAML reads the key `on` as True (YAML 1.1); the workflows' own meaning is restored.
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def runs(workflow: dict, job: str) -> str:
    return "\n".join(s.get("run", "") for s in steps(workflow, job))


def tool(name: str) -> str:
    """A tool installed by the test extra: next to this Python, else on PATH."""
    here = Path(sys.executable).parent / (name + (".exe" if os.name == "nt" else ""))
    found = str(here) if here.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: it comes with the test extra of pyproject.toml")
    return found


def test_actionlint_finds_nothing_in_any_workflow() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} == {"release.yml", "tests.yml"}
    shellcheck = Path(tool("shellcheck"))
    env = {**os.environ, "PATH": f"{shellcheck.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [tool("actionlint"), "-shellcheck", str(shellcheck), *map(str, files)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    """The check above would notice: an unknown runner label and a script error."""
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: macos-1\n    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    result = subprocess.run([tool("actionlint"), str(broken)], capture_output=True, text=True)
    assert result.returncode == 1
    assert 'label "macos-1" is unknown' in result.stdout
    assert "potentially untrusted" in result.stdout


def minimum_python() -> str:
    match = re.fullmatch(r">=\s*(\d+\.\d+)", PYPROJECT["project"]["requires-python"])
    assert match, PYPROJECT["project"]["requires-python"]
    return match.group(1)


@pytest.mark.parametrize("name", ["release.yml", "tests.yml"])
def test_python_is_the_oldest_the_project_supports(name: str) -> None:
    workflow = load(name)
    versions = {
        step["with"]["python-version"]
        for job in workflow["jobs"]
        for step in steps(workflow, job)
        if step.get("uses", "").startswith("actions/setup-python@")
    }
    assert versions == {minimum_python()}
    # scripts/bootstrap.sh refuses anything older, with the same number.
    major, minor = minimum_python().split(".")
    assert f"sys.version_info < ({major}, {minor})" in (SCRIPTS / "bootstrap.sh").read_text()


def script_extras(script: str) -> set[str]:
    """The extras a script asks scripts/bootstrap.sh for."""
    return set(re.findall(r'bootstrap\.sh"? (\w+)', (SCRIPTS / script).read_text()))


@pytest.mark.parametrize("name", ["release.yml", "tests.yml"])
def test_extras_are_the_projects_and_the_scripts(name: str) -> None:
    text = runs(load(name), "bundle" if name == "release.yml" else "test")
    installed = re.findall(r'pip install (?:-e )?"\.\[([\w,]+)\]"', text)
    declared = set(PYPROJECT["project"]["optional-dependencies"])
    assert installed and {e for group in installed for e in group.split(",")} <= declared
    # The tests install what scripts/test.sh does; the build what build-installer.sh does.
    assert "test" in installed and script_extras("test.sh") == {"test"}
    if name == "release.yml":
        assert "build" in installed and script_extras("build-installer.sh") == {"build"}


@pytest.mark.parametrize(("name", "job"), [("release.yml", "bundle"), ("tests.yml", "test")])
def test_linux_runs_the_documented_commands_and_others_the_same_ones(name: str, job: str):
    text = runs(load(name), job)
    assert "scripts/test.sh -q" in text
    # scripts/test.sh ends in `python -m pytest "$@"`: the other systems run just that.
    assert re.search(r'bin/python" -m pytest "\$@"', (SCRIPTS / "test.sh").read_text())
    assert re.search(r"^python -m pytest -q$", text, re.MULTILINE)
    if name == "release.yml":
        assert "scripts/build-installer.sh dist" in text


def pyinstaller_options(command: str) -> list[str]:
    words = shlex.split(command.replace("\\\n", " "))
    options = words[words.index("PyInstaller") + 1 :]
    return [w for w in options if not w.startswith("$")]


def test_the_bundle_is_built_as_build_installer_sh_builds_it() -> None:
    script = (SCRIPTS / "build-installer.sh").read_text()
    documented = pyinstaller_options(script[script.index("-m PyInstaller") :])
    workflow = runs(load("release.yml"), "bundle")
    line = next(li for li in workflow.splitlines() if "-m PyInstaller" in li)
    built = pyinstaller_options(line)
    # Same options, with the paths the script computes written out.
    assert [w for w in documented if w.startswith("-")] == [w for w in built if w.startswith("-")]
    assert built[-1] == documented[-1] == "build.spec"
    assert built[built.index("--workpath") + 1] == "build/pyinstaller"
    assert '--workpath "$root/build/pyinstaller"' in script


def test_every_system_is_built_and_checked() -> None:
    workflow = load("release.yml")
    matrix = workflow["jobs"]["bundle"]["strategy"]["matrix"]["include"]
    assert {(m["name"], m["os"]) for m in matrix} == {
        ("linux-x86_64", "ubuntu-22.04"),
        ("macos-arm64", "macos-15"),  # Apple silicon
        ("macos-x86_64", "macos-15-intel"),
        ("windows-x86_64", "windows-2022"),
    }
    names = [s.get("name", "") for s in steps(workflow, "bundle")]
    for expected in ("Test suite", "Self-test with the bundled ffmpeg", "Pack the disk image",
                     "Installer", "Install, self-test, uninstall (keeping the user's settings)",
                     "Process a video and take a screenshot with the bundle"):  # fmt: skip
        assert expected in names
    text = runs(workflow, "bundle")
    assert '"$APP" --selftest' in text and '"$APP" --screenshot' in text
    assert workflow["jobs"]["bundle"]["env"]["QT_QPA_PLATFORM"] == "offscreen"
    pr = load("tests.yml")
    assert set(pr["jobs"]["test"]["strategy"]["matrix"]["os"]) == {
        "ubuntu-22.04", "macos-15", "windows-2022"
    }  # fmt: skip
    assert "pull_request" in pr["on"]


def test_signing_runs_only_with_its_secrets() -> None:
    workflow = load("release.yml")
    env = workflow["jobs"]["bundle"]["env"]
    assert "secrets.MACOS_CERTIFICATE != ''" in env["HAVE_MACOS_SIGNING"]
    assert "secrets.WINDOWS_CERTIFICATE != ''" in env["HAVE_WINDOWS_SIGNING"]
    for step in steps(workflow, "bundle"):
        run = step.get("run", "")
        if "codesign --force --timestamp" in run or "notarytool" in run:
            assert "env.HAVE_MACOS_SIGNING == 'true'" in step["if"], step["name"]
        if "signtool.exe" in run:
            assert "env.HAVE_WINDOWS_SIGNING == 'true'" in step["if"], step["name"]


def test_windows_installer_gets_what_its_script_requires() -> None:
    iss = (ROOT / "packaging" / "windows" / "FrameFan.iss").read_text()
    required = set(re.findall(r"#ifndef (\w+)\n\s+#error", iss))
    assert required == {"AppVersion", "SourceDir", "IconFile"}
    step = next(s for s in steps(load("release.yml"), "bundle") if s.get("name") == "Installer")
    passed = set(re.findall(r"/D(\w+)=", step["run"]))
    assert required <= passed
    assert passed <= set(re.findall(r"#(?:ifndef|define) (\w+)", iss))
    # The icon build.spec draws, where build-installer.sh's work folder puts it.
    icon = re.search(r"/DIconFile=\$\(Resolve-Path ([^)]+)\)", step["run"]).group(1)
    assert icon.replace("\\", "/") == f"build/pyinstaller/build/icons/{app_icons.ICO_NAME}"
    assert 'GENERATED / "icons" / app_icons.ICO_NAME' in (ROOT / "build.spec").read_text()


def test_a_version_tag_drafts_a_release_with_checksums() -> None:
    workflow = load("release.yml")
    assert workflow["on"]["push"]["tags"] == ["v*"]
    release = workflow["jobs"]["release"]
    assert release["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert release["needs"] == "bundle" and release["permissions"] == {"contents": "write"}
    text = runs(workflow, "release")
    assert "sha256sum -- * > SHA256SUMS.txt" in text
    assert "gh release create" in text and "--draft" in text
    assert (ROOT / "packaging" / "release-notes.md").is_file()
    # Whatever the bundle jobs upload is what the release holds.
    upload = next(s for s in steps(workflow, "bundle") if s.get("with", {}).get("name", "")
                  .startswith("installer-"))  # fmt: skip
    download = next(s for s in steps(workflow, "release") if "download-artifact" in s["uses"])
    assert download["with"]["pattern"] == "installer-*"
    patterns = upload["with"]["path"].split()
    suffixes = ["linux-x86_64.tar.gz", "windows-x86_64.zip", "windows-x86_64-setup.exe",
            "macos-arm64.dmg"]  # fmt: skip
    for made in (f"FrameFan-0.1.0-{suffix}" for suffix in suffixes):
        assert any(Path("dist", made).match(p) for p in patterns), made
