"""What the emulator's own tests share: the emulator, run as a process as the suite runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

EMULATOR = Path(__file__).with_name("cognito_emulator.py")


@pytest.fixture(scope="module")
def endpoint():
    """The base URL of a fresh emulator on a free loopback port, stopped after the module."""
    with tempfile.TemporaryDirectory() as scratch:
        ready = os.path.join(scratch, "ready")
        process = subprocess.Popen(
            [sys.executable, str(EMULATOR), "--port", "0", "--ready-file", ready],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(600):
                if os.path.exists(ready):
                    break
                assert process.poll() is None, "the emulator exited during start-up"
                time.sleep(0.1)
            else:
                pytest.fail("the emulator was not ready after 60 s")
            yield Path(ready).read_text()
        finally:
            process.terminate()
            process.wait(timeout=10)
