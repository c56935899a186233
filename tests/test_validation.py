"""The quick part of `make validate`: every analytic record reproduces the paper or is an
explained discrepancy of the paper itself."""

import json

import pytest

from validation import unexplained_failures, validate


def test_quick_validation(tmp_path):
    records = validate(tmp_path, quick=True)
    ids = {r.id for r in records}
    assert {"table2.kappa_e.pt20", "table3.B_I.pt20", "table4.hf.B_III", "eq2.10.width_gev"} <= ids
    assert not [r.id for r in records if r.ours is None]
    bad = unexplained_failures(records)
    assert not bad, [(r.id, r.paper, r.ours) for r in bad]
    rep = json.loads((tmp_path / "report.json").read_text())
    assert {"id", "paper", "ours", "tolerance", "pass", "note"} <= set(rep[0])
    md = (tmp_path / "report.md").read_text()
    assert "## Table 2" in md and "## Table 3" in md


def test_known_discrepancies_really_fail():
    # a 'known discrepancy' must describe a real disagreement, not hide a pass
    for r in validate(None, quick=True):
        if r.known_discrepancy:
            assert r.passed is False, r.id


def test_the_committed_reports_known_discrepancies_all_fail():
    """The same for every record of the committed report, slow ones included: a passing record says so, and what
    it has to say goes in its note."""
    from pathlib import Path

    report = Path(__file__).resolve().parent.parent / "validation" / "report" / "report.json"
    hiding = [r["id"] for r in json.loads(report.read_text()) if r.get("known_discrepancy") and r["pass"] is not False]
    assert not hiding, hiding


def test_sct_hits_counts_barrel_layers_and_endcap_disks():
    """The SCT geometry of the 10 ns reach check: a central track from the beam line crosses the four barrel
    layers; forward tracks produced beyond the tracking radius cross the end-cap disks they reach inside r = 560 mm."""
    import numpy as np

    from validation.atlas import sct_hits

    r = np.array([0.0, 350.0, 310.0, 310.0])
    z = np.array([0.0, 1000.0, 900.0, -900.0])
    cot = np.sinh(np.array([0.0, 2.0, 2.5, -2.5]))
    # (2): disks at 1091.5, 1299.9, 1399.7 mm (r = 375, 433, 460 mm); at 1771.4 mm it is at r = 563 mm, outside
    # (3, 4): the six disks from 934 to 2115.2 mm (r = 316-511 mm), either end-cap
    assert sct_hits(r, z, cot).tolist() == [8, 6, 12, 12]


def test_cms_source_steps_find_a_step_between_cms_samples_only():
    """ours / CMS compared across the boundary of CMS's reweighted samples: a sample that is 20% low shows as a step
    of 1.25 at its boundary and nowhere else; MC counts that do not peak at the assumed samples are refused."""
    import numpy as np
    import pytest

    from validation.cms_stops import source_steps

    ctaus = [0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]
    src = {c: next(s for s in (1.0, 10.0, 100.0, 1000.0) if c <= s) for c in ctaus}
    truth = {c: np.array([1.0, 2.0, 3.0]) * 100 / (1 + c / 10) for c in ctaus}
    refs = {c: {"S": list(truth[c] * (0.8 if src[c] == 1000.0 else 1.0)), "mc": [c / src[c] * 1000] * 3} for c in ctaus}
    ours = {c: (truth[c] * 1.1, 0.01 * truth[c]) for c in ctaus}
    out = source_steps("x", refs, ours)
    assert set(out) == {f"x.stop.source_step.ctau_{s:g}mm" for s in (1.0, 10.0, 100.0)}
    assert out["x.stop.source_step.ctau_100mm"][0] == pytest.approx(1.25)
    assert out["x.stop.source_step.ctau_10mm"][0] == pytest.approx(1.0)
    assert "1.100 -> 1.100 from 20 to 100 mm" in out["x.stop.source_step.ctau_100mm"][1]
    refs[20.0]["mc"] = [1e6] * 3
    with pytest.raises(RuntimeError, match="do not peak at c tau = 10 mm"):
        source_steps("x", refs, ours)


def test_table_scatter_measures_point_to_point_noise_not_a_smooth_trend():
    import numpy as np

    from validation.atlas import SCATTER_MASSES, table_scatter

    smooth = {(m, 1.0): 0.1 * np.exp(m / 500) for m in SCATTER_MASSES}
    rms, n = table_scatter(smooth, 1.0)
    assert n == len(SCATTER_MASSES) and rms < 1e-12
    rng = np.random.default_rng(3)
    sig = []
    for _ in range(400):
        noisy = {k: v * np.exp(rng.normal(0, 0.2)) for k, v in smooth.items()}
        sig.append(table_scatter(noisy, 1.0)[0] ** 2)
    assert np.sqrt(np.mean(sig)) == pytest.approx(0.2, rel=0.05)
    assert np.isnan(table_scatter({(300, 1.0): 0.1, (400, 1.0): 0.2}, 1.0)[0])


def test_merge_judges_kept_records_against_the_reference_as_it_is_now(tmp_path):
    """A record kept by a partial (merged) run takes its published value, tolerance and explanation from the
    reference files as they are now; its own value stays."""
    from validation import core

    ref = tmp_path / "ref"
    ref.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    kept = {"id": "x.kept", "paper": 1.0, "ours": 1.3, "tolerance": {"rel": 0.5}, "pass": True, "note": "n"}
    (out / "report.json").write_text(json.dumps([kept]))
    (ref / "x.yaml").write_text(
        "records:\n  - {id: x.kept, paper: 1.0, tolerance: {rel: 0.1}, known_discrepancy: why}\n"
    )
    (r,) = core.validate(out, reference=ref, only="zzz", merge=True)
    assert (r.id, r.ours, r.passed, r.known_discrepancy, r.note) == ("x.kept", 1.3, False, "why", "n")


def test_a_producer_that_stops_loses_nothing_else_and_a_rerun_resumes(tmp_path, monkeypatch):
    """One producer's error leaves the others' records in the report (its own records fail, naming the error), and
    what finished is kept in the report folder: the rerun computes only what is missing, then clears it."""
    from validation import core

    ref = tmp_path / "ref"
    ref.mkdir()
    (ref / "x.yaml").write_text(
        "source: test\nrecords:\n  - {id: a.x, paper: 1.0, tolerance: {rel: 0.1}}\n"
        "  - {id: b.y, paper: 2.0, tolerance: {rel: 0.1}}\n"
    )
    calls = {"a": 0, "b": 0}

    def a():
        calls["a"] += 1
        return {"a.x": (1.0, "")}

    def b():
        calls["b"] += 1
        if calls["b"] == 1:
            raise RuntimeError("disk full")
        return {"b.y": (2.0, "")}

    monkeypatch.setattr(core, "PRODUCERS", {"a.": a, "b.": b})
    monkeypatch.setattr(core, "PRODUCER_PREFIXES", {"a.": ("a.",), "b.": ("b.",)})
    monkeypatch.setattr(core, "SLOW_PREFIXES", set())
    first = {r.id: r for r in core.validate(tmp_path / "out", ref)}
    assert first["a.x"].passed and first["b.y"].passed is False
    assert "its producer b. stopped: RuntimeError: disk full" in first["b.y"].note
    assert (tmp_path / "out" / ".checkpoints" / "a.json").is_file()
    second = {r.id: r for r in core.validate(tmp_path / "out", ref)}
    assert second["a.x"].passed and second["b.y"].passed and calls == {"a": 1, "b": 2}
    assert not (tmp_path / "out" / ".checkpoints").exists()
