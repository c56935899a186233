"""From extracted generator final states (+ lepreint's LLP decays) to slim-event rows.

Used by the Pythia path (``lepreint.events.generation.engine``).  The HepMC3 reader builds the same rows
from a full event record (``lepreint.io.hepmc``) with the same helpers, so both paths agree on
every definition (leptons, isolation, jets, sums; see ``lepreint.events.slim``).
"""

from __future__ import annotations

import numpy as np

from lepreint.events.generation.species import SLOTS, decay_species
from lepreint.events.slim import LEPTON_MIN_PT, Ragged, cluster_jets, isolation_sums, rows_to_awkward, typed_columns

__all__ = ["assemble_rows"]


def _items_per_row(counts_per_row: np.ndarray):
    """For rows with ``counts_per_row`` items each: (row of each item, index of the item within its row)."""
    total = int(counts_per_row.sum())
    row = np.repeat(np.arange(counts_per_row.size), counts_per_row)
    starts = np.cumsum(counts_per_row) - counts_per_row
    within = np.arange(total) - np.repeat(starts, counts_per_row)
    return row, within


def _lab(p4_e_first: np.ndarray) -> dict[str, np.ndarray]:
    """(E, px, py, pz) -> columns."""
    return {"px": p4_e_first[:, 1], "py": p4_e_first[:, 2], "pz": p4_e_first[:, 3], "e": p4_e_first[:, 0]}


def assemble_rows(
    vis: Ragged,
    inv: np.ndarray,
    weights: np.ndarray,
    llps: Ragged,
    decay: dict | None,
    k: int,
    rng: np.random.Generator,
    event_offset: int = 0,
):
    """Slim-event rows for one chunk of events.

    ``vis``: the generator's visible final-state particles per event (columns pdg, px, py, pz, e, vx, vy, vz,
    vt, and ``llp``: a lepton's long-lived ancestor among its event's LLPs when the generator decayed them, else
    -1); ``inv``: (n, 2) invisible pT sum per event; ``llps``: long-lived particles per event (pdg, mass, px,
    py, pz, e, vx, vy, vz, vt; for LLPs the generator decayed also dx, dy, dz, dt, ctau, mode); ``decay``: how
    lepreint decays them (``llp_decay`` of the model: one specification or a list,
    ``lepreint.events.generation.species``) or None (the generator decayed them, or there are none);
    ``k``: oversampling.  Returns (awkward rows, decays) where decays is the ``DecayedLLP`` of the flat
    LLP list for a single ``wstar`` species (for the HepMC writer), else None.
    """
    n = vis.rows
    if decay is None:
        k = 1
    n_rows = n * k
    row_event = np.repeat(np.arange(n), k)
    row_copy = np.tile(np.arange(k), n)

    # --- visible particles of the generator record: leptons, jets, sums (per event) ----------------
    vpt = np.hypot(vis["px"], vis["py"])
    vabs = np.abs(vis["pdg"]).astype(int)
    roe_is_lep = ((vabs == 11) | (vabs == 13)) & (vpt > LEPTON_MIN_PT)
    jets = cluster_jets(vis)
    vis_row = vis.row_index()
    ev_vis = np.column_stack(
        [np.bincount(vis_row, weights=vis["px"], minlength=n), np.bincount(vis_row, weights=vis["py"], minlength=n)]
    )
    vis_local = np.arange(vis_row.size) - vis.offsets[vis_row]

    # --- LLP items: one per (row, LLP of the row's event) --------------------------------------
    n_llp_ev = llps.counts
    llp_row, llp_within = _items_per_row(np.repeat(n_llp_ev, k))
    llp_ev = row_event[llp_row]
    llp_copy = row_copy[llp_row]
    llp_j = llps.offsets[llp_ev] + llp_within  # index in the flat LLP list of the chunk
    nan = np.full(llp_row.size, np.nan)
    llp_cols = {
        "pdg": llps["pdg"][llp_j],
        "mass": llps["mass"][llp_j],
        **{c: llps[c][llp_j] for c in ("px", "py", "pz", "e", "vx", "vy", "vz", "vt")},
        # LLPs the generator decayed carry their decay; those it left undecayed have none (yet)
        **{c: (llps[c][llp_j] if c in llps.columns else nan.copy()) for c in ("dx", "dy", "dz", "dt", "ctau")},
        "mode": llps["mode"][llp_j] if "mode" in llps.columns else np.full(llp_row.size, -1),
    }
    row_inv = inv[row_event].copy()
    row_vis = ev_vis[row_event].copy()
    row_rate = np.ones(n_rows)
    d = None
    dec_lep = None
    extras = Ragged.from_counts(np.zeros(n_rows, dtype=np.int64), px=np.zeros(0), py=np.zeros(0), pz=np.zeros(0))
    if decay is not None and len(llps["pdg"]):
        p4 = np.column_stack([llps["e"], llps["px"], llps["py"], llps["pz"]])
        origin = np.column_stack([llps["vx"], llps["vy"], llps["vz"], llps["vt"]])
        dd, d = decay_species(rng, decay, llps["pdg"], p4, origin, k, llps["mass"])
        # a decay whose rate differs from the one the cross section assumes weighs its row (W -> l N off shell)
        np.multiply.at(row_rate, llp_row, dd.rate[llp_j, llp_copy])
        # the long-lived particle of each copy (a decay may replace it: W -> l N)
        lp = dd.llp_p4[llp_j, llp_copy]
        llp_cols.update(
            pdg=dd.llp_pdg[llp_j, llp_copy],
            mass=dd.llp_mass[llp_j, llp_copy],
            px=lp[:, 1],
            py=lp[:, 2],
            pz=lp[:, 3],
            e=lp[:, 0],
        )
        vtx = dd.vertex[llp_j, llp_copy]
        llp_cols.update(dx=vtx[:, 0], dy=vtx[:, 1], dz=vtx[:, 2], dt=vtx[:, 3], ctau=dd.ctau[llp_j, llp_copy])
        llp_cols["mode"] = dd.channel[llp_j, llp_copy]
        lpdg = dd.lep_pdg[llp_j, llp_copy]  # (items, SLOTS)
        lp4 = dd.lep_p4[llp_j, llp_copy]
        lvtx = dd.lep_vtx[llp_j, llp_copy]
        lprompt = dd.lep_prompt[llp_j, llp_copy]
        other = dd.other[llp_j, llp_copy]
        invis = dd.invisible[llp_j, llp_copy]
        has_o = other[:, 0] > 0
        # sums per row
        for arr, sel in [*((lp4[:, s], lpdg[:, s] != 0) for s in range(SLOTS)), (other, has_o)]:
            row_vis[:, 0] += np.bincount(llp_row[sel], weights=arr[sel, 1], minlength=n_rows)
            row_vis[:, 1] += np.bincount(llp_row[sel], weights=arr[sel, 2], minlength=n_rows)
        row_inv[:, 0] += np.bincount(llp_row, weights=invis[:, 1], minlength=n_rows)
        row_inv[:, 1] += np.bincount(llp_row, weights=invis[:, 2], minlength=n_rows)
        # extras per row (visible decay products): leptons first (slot by slot), then other systems; each
        # lepton's tag = item x SLOTS + slot, to find itself among the extras (isolation)
        has = [lpdg[:, s] != 0 for s in range(SLOTS)]
        ex_row = np.concatenate([*(llp_row[h] for h in has), llp_row[has_o]])
        ex_p = np.concatenate([*(lp4[h, s] for s, h in enumerate(has)), other[has_o]])
        ex_tag = np.concatenate(
            [*(np.flatnonzero(h) * SLOTS + s for s, h in enumerate(has)), np.full(int(has_o.sum()), -1)]
        )
        o = np.argsort(ex_row, kind="stable")
        ex_row, ex_p, ex_tag = ex_row[o], ex_p[o], ex_tag[o]
        ex_counts = np.bincount(ex_row, minlength=n_rows)
        extras = Ragged.from_counts(ex_counts, px=ex_p[:, 1], py=ex_p[:, 2], pz=ex_p[:, 3])
        ex_local = np.arange(ex_row.size) - extras.offsets[ex_row]
        self_in_extras = np.full(llp_row.size * SLOTS, -1)
        self_in_extras[ex_tag[ex_tag >= 0]] = ex_local[ex_tag >= 0]
        # stored decay leptons (slot by slot)
        parts_d = []
        for s, h in enumerate(has):
            keep = np.flatnonzero(h & (np.hypot(lp4[:, s, 1], lp4[:, s, 2]) > LEPTON_MIN_PT))
            parts_d.append(
                {
                    "row": llp_row[keep],
                    "pdg": lpdg[keep, s].astype(int),
                    "p4": lp4[keep, s],
                    "vtx": lvtx[keep, s],
                    "llp": np.where(lprompt[keep, s], -1, llp_within[keep]),
                    "self_extra": self_in_extras[keep * SLOTS + s],
                }
            )
        dec_lep = {key: np.concatenate([q[key] for q in parts_d]) for key in parts_d[0]}

    # --- leptons per row: the generator record's own (same in every copy) + lepreint's decay leptons
    roe_idx = np.flatnonzero(roe_is_lep)
    roe_ev = vis_row[roe_idx]
    cnt_roe_ev = np.bincount(roe_ev, minlength=n)
    a_row, a_within = _items_per_row(np.repeat(cnt_roe_ev, k))
    roe_starts = np.cumsum(cnt_roe_ev) - cnt_roe_ev
    a_src = roe_idx[roe_starts[row_event[a_row]] + a_within]
    a = {
        "row": a_row,
        "pdg": vis["pdg"][a_src].astype(int),
        "p4": np.column_stack([vis["e"][a_src], vis["px"][a_src], vis["py"][a_src], vis["pz"][a_src]]),
        "vtx": np.column_stack([vis["vx"][a_src], vis["vy"][a_src], vis["vz"][a_src], vis["vt"][a_src]]),
        # the generator's own LLP decays: the lepton's long-lived ancestor (an index among its event's LLPs)
        "llp": vis["llp"][a_src].astype(int) if "llp" in vis.columns else np.full(a_row.size, -1),
        "self_roe": vis_local[a_src],
        "self_extra": np.full(a_row.size, -1),
    }
    parts = [a]
    if dec_lep is not None:
        dec_lep["self_roe"] = np.full(dec_lep["row"].size, -1)
        parts.append(dec_lep)
    L = {key: np.concatenate([p[key] for p in parts]) for key in a}
    o = np.argsort(L["row"], kind="stable")
    L = {key: v[o] for key, v in L.items()}
    lp = (L["p4"][:, 1], L["p4"][:, 2], L["p4"][:, 3])
    iso = isolation_sums(row_event[L["row"]], lp, L["self_roe"], vis)
    iso += isolation_sums(L["row"], lp, L["self_extra"], extras)
    lep_counts = np.bincount(L["row"], minlength=n_rows)
    charge = -np.sign(L["pdg"])
    leptons = Ragged.from_counts(
        lep_counts,
        **typed_columns(
            pdg=L["pdg"],
            charge=charge,
            **_lab(L["p4"]),
            vx=L["vtx"][:, 0],
            vy=L["vtx"][:, 1],
            vz=L["vtx"][:, 2],
            vt=L["vtx"][:, 3],
            llp=L["llp"],
            iso02=iso[:, 0],
            iso03=iso[:, 1],
            iso04=iso[:, 2],
        ),
    )
    llp_table = Ragged.from_counts(np.repeat(n_llp_ev, k), **typed_columns(**llp_cols))
    # jets: the same for every copy of an event
    j_row, j_within = _items_per_row(np.repeat(jets.counts, k))
    j_src = jets.offsets[row_event[j_row]] + j_within
    jets_rows = Ragged.from_counts(np.repeat(jets.counts, k), **{c: jets[c][j_src] for c in ("px", "py", "pz", "e")})
    rows = rows_to_awkward(
        row_event + event_offset,
        row_copy,
        np.asarray(weights, dtype=float)[row_event] / k * row_rate,
        leptons,
        jets_rows,
        llp_table,
        row_inv,
        row_vis,
    )
    return rows, d
