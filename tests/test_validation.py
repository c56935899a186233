"""The quick part of `make validate`: every analytic record reproduces the paper or is an
explained discrepancy of the paper itself."""

import json

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
