import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
# the validation package lives beside lepreint in the repository, not inside it
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def run_cli():
    """Run the real entry point in a subprocess: (exit code, stdout, stderr)."""

    def run(*args):
        exe = Path(sys.executable).parent / "lepreint"
        p = subprocess.run(
            [str(exe), *map(str, args)], capture_output=True, text=True, cwd=ROOT, env={**os.environ, "COLUMNS": "200"}
        )
        return p.returncode, p.stdout, p.stderr

    return run


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """Tests never read or write the user's sample cache."""
    old = os.environ.get("LEPREINT_CACHE")
    os.environ["LEPREINT_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("LEPREINT_CACHE", None)
    else:
        os.environ["LEPREINT_CACHE"] = old


@pytest.fixture(scope="session")
def small_signal():
    """(220, 20, 1 cm), 200 events, K = 25, no multiple interactions (fast), with taus (Eq. 2.16 decays)."""
    from lepreint.events.generation.engine import GenerationRequest, generate
    from lepreint.events.generation.pythia import ShowerOptions

    req = GenerationRequest(
        "coscattering",
        {"mc": 220, "dm": 20, "ctau": 10.0},
        events=200,
        seed=11,
        oversampling=25,
        options={"decays": "eq2.16"},
        shower=ShowerOptions(mpi=False),
        chunk_size=100,
    )
    return req, generate(req, workers=1)
