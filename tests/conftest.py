import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture
def run_cli():
    """Run the real entry point in a subprocess: (exit code, stdout, stderr)."""

    def run(*args):
        exe = Path(sys.executable).parent / "lepreint"
        p = subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                           env={**os.environ, "COLUMNS": "200"})
        return p.returncode, p.stdout, p.stderr

    return run
