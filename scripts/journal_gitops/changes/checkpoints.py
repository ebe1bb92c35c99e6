"""Named points in a change where a crash matters, for fault-injection tests.

When GITOPS_PAUSE_AT names a checkpoint, the process announces it on stderr (`paused at NAME`)
and waits there until it is killed or the file named by GITOPS_PAUSE_FILE disappears. Unset,
a checkpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

PAUSE_AT = "GITOPS_PAUSE_AT"
PAUSE_FILE = "GITOPS_PAUSE_FILE"


def checkpoint(name: str) -> None:
    if os.environ.get(PAUSE_AT) != name:
        return
    sys.stderr.write(f"paused at {name}\n")
    sys.stderr.flush()
    marker = os.environ.get(PAUSE_FILE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (marker is None or Path(marker).exists()):
        time.sleep(0.01)
