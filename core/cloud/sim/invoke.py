"""Runs one Lambda invocation in a fresh process: ``python -m core.cloud.sim.invoke HANDLER``.

The event arrives as JSON on stdin; the handler's return value is printed as JSON on the last
line of stdout; a raised exception prints its traceback (as the Lambda runtime logs it), then
Lambda's error payload (``errorMessage``, ``errorType``) as the last line, and exits with
status 1. ``FRAMEFAN_SIM_DEADLINE`` (epoch seconds) sets what the context reports as time
left. ``FRAMEFAN_SIM_CRASH`` makes the process kill itself before the handler runs, as an
out-of-memory kill would (the emulator's ``crash-snippet`` chaos).
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time
import traceback
import uuid


class _Context:
    def __init__(self, name: str, deadline: float) -> None:
        self.function_name = name
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def main() -> int:
    handler_path = sys.argv[1]
    module_name, _, function_name = handler_path.rpartition(".")
    event = json.load(sys.stdin)
    deadline = float(os.environ.get("FRAMEFAN_SIM_DEADLINE", time.time() + 900))
    context = _Context(os.environ.get("AWS_LAMBDA_FUNCTION_NAME", module_name), deadline)
    if os.environ.get("FRAMEFAN_SIM_CRASH"):
        os.kill(os.getpid(), signal.SIGKILL)
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
        result = handler(event, context)
    except Exception as exc:
        traceback.print_exc()
        sys.stderr.flush()
        error = {"errorMessage": str(exc), "errorType": type(exc).__name__}
        print("\n" + json.dumps(error), flush=True)
        return 1
    sys.stdout.flush()
    print("\n" + json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
