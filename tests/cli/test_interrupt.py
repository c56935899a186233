"""Ctrl-C: one line, exit 130, and nothing already computed is lost (generation chunks, scan points)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

EXE = Path(sys.executable).parent / "lepreint"
ARGS = [
    "generate",
    "--mc",
    "220",
    "--dm",
    "20",
    "--ctau",
    "1cm",
    "--events",
    "500",
    "--chunk",
    "100",
    "--no-mpi",
    "--json",
]


def _run(cache, *args):
    p = subprocess.run(
        [str(EXE), *args], capture_output=True, text=True, env={**os.environ, "LEPREINT_CACHE": str(cache)}
    )
    return p.returncode, p.stdout, p.stderr


def test_ctrl_c_keeps_finished_chunks_and_the_rerun_gives_the_same_sample(tmp_path):
    cache = tmp_path / "cache"
    p = subprocess.Popen(
        [str(EXE), *ARGS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LEPREINT_CACHE": str(cache)},
        start_new_session=True,
    )
    chunks = cache / "chunks"
    t0 = time.time()
    while time.time() - t0 < 300 and len(list(chunks.rglob("*.pkl"))) < 2 and p.poll() is None:
        time.sleep(0.05)
    os.killpg(p.pid, signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert err.strip().count("\n") == 0 and err.startswith("lepreint: interrupted: the finished chunks")
    assert "Traceback" not in err
    kept = sorted(chunks.rglob("*.pkl"))
    assert 2 <= len(kept) < 5
    code, out, err = _run(cache, *ARGS)
    assert code == 0, err
    resumed = json.loads(out)
    assert not list(chunks.rglob("*.pkl"))  # removed once the sample is saved
    code, out, err = _run(tmp_path / "clean", *ARGS)
    assert json.loads(out)["digest"] == resumed["digest"]
