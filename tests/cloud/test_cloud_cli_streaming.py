"""``framefan process`` options of the streamed cloud path: how the video is sent (and saying
so), the upload limit, and videos already in S3."""

from __future__ import annotations

import json
import shutil

import pytest

from core.cli import main
from core.manifest import DONE

from .. import media
from .conftest import STACK


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["s3://footage/a.mp4"], "a video in S3 is processed there: use --backend lambda"),
        (["--upload-limit-mbps", "0", "x.mp4"], "--upload-limit-mbps must be more than 0"),
        (["--upload", "stream", "x.mp4"], "invalid choice: 'stream'"),
    ],
)
def test_streaming_options_are_checked(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["process", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_the_cli_says_how_each_video_is_sent(aws_env, make_video, tmp_path, capsys):
    video = tmp_path / "sent.mp4"
    shutil.copyfile(make_video(media.STEP_SHORT_GOP_MP4), video)
    common = ["process", "--backend", "lambda", "--stack", STACK, "--snippet-seconds", "2"]
    common += ["--out", str(tmp_path / "out"), "--upload-limit-mbps", "100"]
    assert main([*common, str(video)]) == 0
    err = capsys.readouterr().err
    assert "upload: sent-" in err and "3 segments, cut without re-encoding" in err
    assert main([*common, "--json", "--upload", "whole", str(video)]) == 0
    record = json.loads(capsys.readouterr().out.strip())
    assert record["status"] == DONE and record["upload"] == "whole"
