"""Event input, one way for every command: a cached sample (its folder, its ``events.parquet`` or its id, the
short digest ``lepreint generate`` prints) or a HepMC3 file from any generator.

A HepMC3 file is read once: its slim events are cached under ``$LEPREINT_CACHE/hepmc/<key>``, keyed by the
sha256 of the file's bytes and the reader options (LLP ids, displacement rule, skipping bad events), so a
second command on the same file (another luminosity, another analysis) reads parquet instead of parsing it
again.  A changed file has another key: the cache never serves stale events.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from lepreint.errors import LepreintError
from lepreint.events.hepmc import DEFAULT_LLP_IDS, read_hepmc
from lepreint.events.slim import (
    INVISIBLE_PDG,
    SCHEMA_VERSION,
    Sample,
    SampleError,
    cache_root,
    load_sample,
    save_sample,
)

__all__ = ["load_input", "hepmc_notes", "parse_llp_ids", "sample_id", "HEPMC_READER_REVISION"]

#: bumped whenever the HepMC reader's output changes for the same file: part of the cache key
HEPMC_READER_REVISION = 10
_ID = re.compile(r"^[0-9a-f]{6,64}$")


def sample_id(sample: Sample) -> str | None:
    """The id of a cached sample: its folder name under ``$LEPREINT_CACHE/samples`` (a short config digest)."""
    return Path(sample.path).name if sample.path else None


def parse_llp_ids(text: str | None, option: str = "--llp-ids") -> list[int] | None:
    """'1000024,9900012' -> PDG ids (None: the reader's default); ``option`` names the option in errors."""
    if text is None:
        return None
    try:
        ids = [int(x) for x in str(text).split(",") if x.strip()]
    except ValueError:
        raise LepreintError(f"{option} {text!r}: expected comma-separated PDG ids, e.g. 1000024,1000023") from None
    if not ids or any(i == 0 for i in ids):
        raise LepreintError(f"{option} {text!r}: expected non-zero PDG ids, e.g. 1000024,1000023")
    return ids


def _file_digest(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _from_cache_id(text: str) -> Path | None:
    root = cache_root() / "samples"
    if not _ID.match(text) or not root.is_dir():
        return None
    hits = sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith(text) and not p.name.endswith(".tmp"))
    if len(hits) > 1:
        raise LepreintError(
            f"sample id {text!r} is ambiguous ({', '.join(p.name for p in hits[:4])}): give more digits"
        )
    return hits[0] if hits else None


def load_input(
    spec: str | os.PathLike,
    *,
    llp_ids=None,
    displaced_mm: float | None = None,
    skip_bad: bool = False,
    cache: bool = True,
    invisible_ids=None,
    weight: str | None = None,
) -> tuple[Sample, dict]:
    """The events behind ``spec`` and what reading them found (``hepmc``: bad events, truncation, read time,
    whether the cache served it).  The reading options (LLPs, ``invisible_ids`` added to lepreint's invisible
    particles, the named ``weight``) apply to HepMC3 input only."""
    p = Path(spec)
    hepmc_opts = (
        llp_ids is not None or displaced_mm is not None or skip_bad or invisible_ids is not None or weight is not None
    )
    by_id = None if p.exists() else _from_cache_id(str(spec))
    if p.is_dir() or p.suffix == ".parquet" or by_id is not None:
        if hepmc_opts:
            raise LepreintError(
                f"{spec}: --llp-ids, --displaced, --skip-bad-events, --invisible and --weight apply to HepMC3 "
                "files, not to generated samples (their particles and weights are known)"
            )
        return load_sample(by_id or p), {}
    if not p.exists():
        raise SampleError(f"{spec}: no such file, sample folder or sample id")
    if p.is_file() and p.name == "meta.json":
        return load_sample(p), {}
    s, info = _read_hepmc_cached(p, llp_ids, displaced_mm, skip_bad, cache, invisible_ids, weight)
    info["notes"] = hepmc_notes(info)
    return s, info


def _file_facts(meta: dict) -> dict:
    """What a HepMC3 file says about itself that a user should see: the name of the weight used (the first) and
    stable new-physics particles counted as visible."""
    return {
        "weight_name": meta.get("weight_name"),
        "weight_chosen": (meta.get("options") or {}).get("weight") is not None,
        "visible_bsm_ids": meta.get("visible_bsm_ids") or [],
    }


def hepmc_notes(read: dict) -> list[str]:
    """What the user should know about how a HepMC3 file was read (``load_input``'s report)."""
    out = []
    if read.get("bad_events"):
        out.append(f"{read['bad_events']} bad events skipped (--skip-bad-events)")
    if read.get("truncated"):
        out.append(
            "the file ends without HepMC3's footer (truncated?): read up to its end (--skip-bad-events); the yields "
            "are per event read"
        )
    if read.get("weight_name"):
        which = "--weight" if read.get("weight_chosen") else "the file's first"
        out.append(f"event weights: {read['weight_name']!r} ({which})")
    if read.get("visible_bsm_ids"):
        ids = ", ".join(str(i) for i in read["visible_bsm_ids"])
        known = ", ".join(str(i) for i in sorted(INVISIBLE_PDG))
        out.append(f"stable new-physics particles {ids} are counted as visible (invisible: {known}; --invisible adds)")
    return out


def _read_hepmc_cached(
    path: Path, llp_ids, displaced_mm, skip_bad, cache, invisible_ids=None, weight=None
) -> tuple[Sample, dict]:

    ids = sorted({abs(int(i)) for i in (DEFAULT_LLP_IDS if llp_ids is None else llp_ids)})
    if displaced_mm is not None and not displaced_mm >= 0:
        raise LepreintError(f"--displaced: need a length >= 0, got {displaced_mm!r} mm")
    options = {"llp_ids": ids, "displaced_mm": displaced_mm, "skip_bad_events": bool(skip_bad)}
    extra = sorted({abs(int(i)) for i in invisible_ids or ()})
    if extra:
        options["invisible_ids"] = extra
    if weight is not None:
        options["weight"] = str(weight)
    target = None
    if cache:
        key = hashlib.sha256(
            json.dumps(
                {
                    "file_sha256": _file_digest(path),
                    "options": options,
                    "reader": HEPMC_READER_REVISION,
                    "schema": SCHEMA_VERSION,
                },
                sort_keys=True,
            ).encode()
        ).hexdigest()
        target = cache_root() / "hepmc" / key[:16]
        if (target / "meta.json").is_file() and (target / "events.parquet").is_file():
            try:
                s = load_sample(target)
            except (SampleError, OSError):  # being rewritten by another process: read the file instead
                s = None
            if s is not None:
                s.meta["source_file"] = str(path)
                s = Sample(s.events, s.meta, None)  # named by its file, not by the cache folder
                info = {
                    "bad_events": s.meta.get("bad_events", 0),
                    "truncated": s.meta.get("truncated", False),
                    "read_seconds": s.meta.get("read_seconds"),
                    "cache_hit": True,
                    "cached_as": str(target),
                    **_file_facts(s.meta),
                }
                return s, info
    s, stats = read_hepmc(path, ids, displaced_mm, skip_bad=skip_bad, invisible_ids=extra, weight=weight)
    s.meta["read_seconds"] = stats.seconds
    info = {
        "bad_events": stats.bad_events,
        "truncated": stats.truncated,
        "read_seconds": stats.seconds,
        "cache_hit": False,
        **_file_facts(s.meta),
    }
    if target is not None and len(s.events):
        saved = save_sample(s.events, s.meta, target)
        info["cached_as"] = str(saved.path)
        s = Sample(s.events, saved.meta, None)  # a HepMC input is named by its file, not by the cache folder
    return s, info
