"""Apply a detector card to slim events: reconstructed leptons (with d0 and efficiencies), jets, missing pT.

Leptons
  * acceptance: |eta| < ``abs_eta_max``; the production vertex inside the tracker cylinder (Delphes
    vetoes leptons created outside the tracking volume, as the paper says);
  * d0: the helix through the production vertex in the solenoid field (``d0_model: helix``) or the
    straight line; an optional Gaussian d0 resolution;
  * momentum: scaled by a Gaussian of the card's resolution form (electrons: calorimeter
    ``stochastic``, muons: ``tracker``), direction kept;
  * efficiency: a *probability* per lepton, the prompt map eff(pT, |eta|) times the d0 efficiency
    (``combine_with_prompt: product``) or the d0 efficiency alone (``d0_only``).  The selection uses
    these probabilities exactly (e.g. P(exactly this e-mu pair) = eff_e eff_mu prod_others(1 - eff)),
    which has less Monte Carlo noise than accept-reject;
  * relative isolation in cones of R = 0.2, 0.3 and 0.4 (``iso02``...): the slim event's sums of the pT of
    the visible particles above 0.5 GeV around the lepton (itself excluded) over the smeared pT; the
    analysis card chooses the cone.  An optional ``isolation_filter`` per flavour drops leptons at
    detector level, as Delphes' Isolation module does (its CMS card: R = 0.5, e < 0.12, mu < 0.25).
Jets: the slim jets smeared in energy (``stochastic``), pT > ``pt_min``, |eta| < ``abs_eta_max``; jets
  within ``lepton_overlap_dr`` of a reconstructed lepton above 10 GeV are removed.
Missing pT (``missing_pt``): ``truth_invisible`` (the vector sum of invisible particles' pT: the
  definition closest to what CMS's particle-flow MET estimates for these events),
  ``negative_visible_sum`` (minus the truth visible sum) or ``negative_objects_sum`` (minus the
  reconstructed leptons and jets, the definition of the paper's "significance with the selected
  objects only").
Every random draw uses the ``numpy.random.Generator`` passed in.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from importlib import resources

import awkward as ak
import numpy as np

from lepreint import units
from lepreint.config.cards import Card, find_card, load_card
from lepreint.detector.efficiency import D0Efficiency, PtD0Map, PtRD0Map, PtRMap
from lepreint.detector.geometry import d0_helix, d0_straight, in_tracker
from lepreint.errors import LepreintError
from lepreint.events.slim import JET_R

__all__ = ["Detector", "Prepared", "RecoEvents", "resolution", "ISO_FIELDS", "iso_field"]

#: how a (pT, |d0|) map is read: as published, in the production radius, or in both (factorised)
MAP_VARIABLES = ("d0", "production_radius", "radius_and_d0")
#: the shipped files behind each reading of ATLAS's maps (lepreint/data/atlas_susy_2018_14)
_MAP_FILES = {
    "d0": ("pt-d0electronefficiency.csv", "pt-d0muonefficiency.csv"),
    "production_radius": ("radius_maps.json",),
    "radius_and_d0": ("radius_d0_maps.json",),
}


def _maps_digest(reading: str) -> str:
    """sha256 (16 hex digits) of the shipped files a reading of ATLAS's maps uses."""
    h = hashlib.sha256()
    for name in _MAP_FILES[reading]:
        h.update(resources.files("lepreint").joinpath(f"data/atlas_susy_2018_14/{name}").read_bytes())
    return h.hexdigest()[:16]


#: leptons above this pT (GeV) remove the jets around them (Delphes' lepton efficiencies start at 10 GeV)
LEPTON_OVERLAP_MIN_PT = 10.0

#: relative isolation of the reconstructed leptons, one field per cone size
ISO_FIELDS = ("iso02", "iso03", "iso04")


def iso_field(cone: float) -> str:
    """The reconstructed-lepton field holding the relative isolation in a cone of this radius."""
    name = f"iso{round(cone * 10):02d}"
    if name not in ISO_FIELDS or abs(cone * 10 - round(cone * 10)) > 1e-9:
        raise LepreintError(f"isolation cone {cone} not available (the slim events carry R = 0.2, 0.3, 0.4)")
    return name


def resolution(form: dict, e_or_pt: np.ndarray) -> np.ndarray:
    """Relative resolution sigma/E (stochastic) or sigma(pT)/pT (tracker) of a card's named form."""
    x = np.asarray(e_or_pt, dtype=float)
    a, b, c = (float(form.get(k, 0.0)) for k in ("a", "b", "c"))
    kind = form["form"]
    if kind == "none":
        return np.zeros_like(x)
    if kind == "stochastic":
        with np.errstate(divide="ignore"):
            return np.sqrt(a**2 + b**2 / np.maximum(x, 1e-9) + c**2 / np.maximum(x, 1e-9) ** 2)
    if kind == "tracker":
        return np.sqrt(a**2 + (b * x) ** 2)
    raise LepreintError(f"unknown resolution form {kind!r}")


def residual_jets(events: ak.Array, llp_leptons_clustered: bool = False) -> ak.Array:
    """The generator's jets (slim events: anti-kT R = ``JET_R``) with every lepton above ``LEPTON_OVERLAP_MIN_PT``
    that they hold and that lies within ``JET_R`` of the jet axis subtracted: what is left of a jet around a
    lepton is the hadronic activity a "lepton not in a jet" requirement looks at (CMS's particle-flow jets leave
    isolated leptons out).  The jets hold the generator's own leptons, and those of the LLP decays only when
    ``llp_leptons_clustered`` (``lepreint.events.slim.llp_leptons_in_jets``).  Truth-level momenta (pt, eta, phi);
    the slim jets start at ``JET_MIN_PT`` before subtraction."""
    j = events.jets
    lep = events.leptons
    held = (lep.llp < 0) | llp_leptons_clustered
    lep = lep[(np.hypot(lep.px, lep.py) > LEPTON_OVERLAP_MIN_PT) & held]
    pairs = ak.cartesian({"j": j, "l": lep}, axis=1, nested=True)
    jj, ll = pairs.j, pairs.l
    jpt, lpt = np.hypot(jj.px, jj.py), np.hypot(ll.px, ll.py)
    deta = np.arcsinh(jj.pz / np.maximum(jpt, 1e-12)) - np.arcsinh(ll.pz / np.maximum(lpt, 1e-12))
    dphi = (np.arctan2(jj.py, jj.px) - np.arctan2(ll.py, ll.px) + np.pi) % (2 * np.pi) - np.pi
    inside = deta**2 + dphi**2 < JET_R**2
    px = j.px - ak.sum(ak.where(inside, ll.px, 0.0), axis=2)
    py = j.py - ak.sum(ak.where(inside, ll.py, 0.0), axis=2)
    pz = j.pz - ak.sum(ak.where(inside, ll.pz, 0.0), axis=2)
    pt = np.hypot(px, py)
    return ak.zip({"pt": pt, "eta": np.arcsinh(pz / np.maximum(pt, 1e-12)), "phi": np.arctan2(py, px)})


def _map_lookup(m: dict, pt: np.ndarray, abs_eta: np.ndarray) -> np.ndarray:
    pe = np.asarray(m["pt_edges_GeV"], dtype=float)
    ee = np.asarray(m["abs_eta_edges"], dtype=float)
    v = np.asarray(m["values"], dtype=float)
    i = np.searchsorted(pe, pt, side="right") - 1
    j = np.searchsorted(ee, abs_eta, side="right") - 1
    ok = (i >= 0) & (i < v.shape[0]) & (j >= 0) & (j < v.shape[1])
    return np.where(ok, v[np.clip(i, 0, v.shape[0] - 1), np.clip(j, 0, v.shape[1] - 1)], 0.0)


@dataclass
class RecoEvents:
    """Reconstructed objects, one row per slim-event row (jagged awkward arrays)."""

    #: pdg, charge, pt, eta, phi, d0 (mm), eff (probability), rxy (production radius, mm), iso02/iso03/iso04
    #: (relative), llp
    leptons: ak.Array
    jets: ak.Array  #: pt, eta, phi
    met: np.ndarray  #: (n, 2) missing pT vector (GeV)
    weight: np.ndarray
    event: np.ndarray
    #: the generator's jets with the leptons above 10 GeV inside them taken out (pt, eta, phi): the jets a lepton
    #: can be "in" (``lepton_jet_veto`` of an analysis card)
    residual_jets: ak.Array | None = None


@dataclass
class Prepared:
    """The part of the detector response that does not depend on the leptons' production vertices
    (``Detector.prepare``): flat per-lepton arrays in the slim events' order, jets before the lepton
    overlap removal.  ``Detector.finish`` completes it for given vertices; a lifetime scan prepares once
    and finishes once per c tau."""

    counts: np.ndarray  #: leptons per row
    apdg: np.ndarray
    charge: np.ndarray
    pdg: np.ndarray
    px: np.ndarray
    py: np.ndarray
    pt: np.ndarray  #: smeared
    eta: np.ndarray
    phi: np.ndarray
    llp: np.ndarray
    factor: np.ndarray  #: the prompt efficiency map (or 1 for ``d0_only``)
    static_ok: np.ndarray  #: |eta| acceptance, smeared pT > 0 and the detector-level isolation filter
    iso: dict  #: relative isolation per cone field
    d0_noise: np.ndarray | None
    jets: ak.Array  #: smeared, pT and |eta| cuts applied, overlaps with leptons not yet removed
    met: np.ndarray | None  #: None for ``negative_objects_sum`` (needs the reconstructed objects)
    weight: np.ndarray
    event: np.ndarray
    residual_jets: ak.Array | None = None  #: as ``RecoEvents.residual_jets``

    #: the per-lepton fields (``select_leptons`` keeps these)
    PER_LEPTON = ("apdg", "charge", "pdg", "px", "py", "pt", "eta", "phi", "llp", "factor", "static_ok")

    def select_leptons(self, idx: np.ndarray) -> Prepared:
        """These leptons only (flat indices), for ``Detector.impact_parameter`` and ``Detector.efficiency``;
        the per-row fields are dropped (``counts``, ``jets``, ...), so it cannot be ``finish``-ed."""
        return dataclasses.replace(
            self,
            counts=None,
            jets=None,
            residual_jets=None,
            met=None,
            weight=None,
            event=None,
            iso={k: v[idx] for k, v in self.iso.items()},
            d0_noise=None if self.d0_noise is None else self.d0_noise[idx],
            **{f: getattr(self, f)[idx] for f in self.PER_LEPTON},
        )


class Detector:
    """A detector card in usable form."""

    def __init__(
        self,
        card: Card | str = "cms_run2",
        d0_extrapolation: str | None = None,
        d0_beyond: str | None = None,
        d0_first_bin: str | None = None,
        map_variable: str | None = None,
    ):
        if not isinstance(card, Card):
            card = load_card(find_card(card, "detector"), "detector")
        self.card = card
        d = card.data
        t = d["tracker"]
        self.radius = units.to_internal(t["radius"], "length")
        self.half_length = units.to_internal(t["half_length"], "length")
        self.bfield = float(t["bfield_tesla"])
        self.d0_model = t.get("d0_model", "helix")
        self.d0_resolution = units.to_internal(t.get("d0_resolution", "0 mm"), "length")
        de = d["d0_efficiency"]
        self.d0_source = de["source"]
        self.extrapolation = d0_extrapolation or de.get("extrapolation", "linear_to_zero")
        self.combine = de.get("combine_with_prompt", "product")
        self.beyond = d0_beyond or de.get("beyond_10cm", "zero")
        self.first_bin = d0_first_bin or de.get("first_bin", "linear")
        self.d0_eff: dict | None = None
        #: sha256 of the shipped map files this detector reads (part of a scan's identity), None without maps
        self.maps_digest: str | None = None
        self.map_variable = map_variable or de.get("map_variable", "d0")
        if self.d0_source == "cms_8tev":  # tables in |d0| alone (CMS 8 TeV)
            self.d0_eff = {
                11: D0Efficiency.cms_8tev("e", self.extrapolation, beyond=self.beyond),
                13: D0Efficiency.cms_8tev("mu", self.extrapolation, beyond=self.beyond),
            }
        elif self.d0_source == "atlas_susy_2018_14":  # maps in (pT, |d0|) (ATLAS, 139 /fb)
            if self.map_variable not in MAP_VARIABLES:
                raise LepreintError(f"map_variable: one of {', '.join(MAP_VARIABLES)}, got {self.map_variable!r}")
            if self.map_variable == "production_radius":  # the maps read in production radius
                self.d0_eff = {11: PtRMap.atlas_susy_2018_14("e"), 13: PtRMap.atlas_susy_2018_14("mu")}
            elif self.map_variable == "radius_and_d0":  # in both, factorised
                self.d0_eff = {11: PtRD0Map.atlas_susy_2018_14("e"), 13: PtRD0Map.atlas_susy_2018_14("mu")}
            else:
                self.d0_eff = {
                    11: PtD0Map.atlas_susy_2018_14("e", self.first_bin),
                    13: PtD0Map.atlas_susy_2018_14("mu", self.first_bin),
                }
            self.maps_digest = _maps_digest(self.map_variable)
        self.lep = {11: d["electron"], 13: d["muon"]}
        self.jets = d["jets"]
        self.jet_pt_min = units.to_internal(d["jets"]["pt_min"], "energy")
        self.missing_pt = d.get("missing_pt", "truth_invisible")

    def options(self) -> dict:
        """The physics choices of this detector, for every result's provenance."""
        maps = self.d0_source == "atlas_susy_2018_14"
        return {
            "detector": self.card.data["name"],
            "detector_digest": self.card.digest,
            "d0_model": self.d0_model,
            **({"map_variable": self.map_variable, "maps_digest": self.maps_digest} if maps else {}),
            **({"d0_first_bin": self.first_bin} if maps and self.map_variable == "d0" else {}),
            **({} if maps else {"d0_extrapolation": self.extrapolation, "d0_beyond_10cm": self.beyond}),
            "d0_efficiency": self.d0_source,
            "efficiency_combination": self.combine,
            "missing_pt": self.missing_pt,
            "isolation_filter": {k: self.lep[f].get("isolation_filter") for k, f in (("e", 11), ("mu", 13))},
        }

    def _remove_lepton_overlaps(self, jets: ak.Array, leptons: ak.Array) -> ak.Array:
        """Drop jets within ``lepton_overlap_dr`` of a reconstructed lepton above ``LEPTON_OVERLAP_MIN_PT``.

        The jets are clustered from all visible particles, leptons included (as Delphes' particle-flow jets);
        a lepton inside a jet would count twice in H_T and the missing pT of the reconstructed objects.
        Delphes' UniqueObjectFinder does the same with shared constituents.
        """
        dr_max = float(self.jets.get("lepton_overlap_dr", 0.0))
        if dr_max <= 0:
            return jets
        lep = leptons[leptons.pt > LEPTON_OVERLAP_MIN_PT]
        pairs = ak.cartesian({"j": jets, "l": lep}, axis=1, nested=True)
        dphi = (pairs.j.phi - pairs.l.phi + np.pi) % (2 * np.pi) - np.pi
        dr2 = (pairs.j.eta - pairs.l.eta) ** 2 + dphi**2
        return jets[~ak.any(dr2 < dr_max**2, axis=2)]

    def prepare(self, events: ak.Array, rng: np.random.Generator, llp_leptons_clustered: bool = False) -> Prepared:
        """Everything that does not depend on where the leptons were produced: momenta and their smearing,
        the prompt efficiency and the |eta| acceptance, isolation, jets before the lepton overlap removal,
        missing pT.  Draws every random number of ``simulate`` (in the same order).  ``llp_leptons_clustered``:
        the slim jets hold the LLP decays' leptons (``lepreint.events.slim.llp_leptons_in_jets``)."""
        lep = events.leptons
        counts = ak.to_numpy(ak.num(lep))
        flat = {f: ak.to_numpy(ak.flatten(lep[f])) for f in ("pdg", "px", "py", "pz", "e", "llp", *ISO_FIELDS)}
        apdg = np.abs(flat["pdg"]).astype(int)
        charge = -np.sign(flat["pdg"])
        pt = np.hypot(flat["px"], flat["py"])
        eta = np.arcsinh(flat["pz"] / pt)
        phi = np.arctan2(flat["py"], flat["px"])
        d0_noise = rng.normal(0.0, self.d0_resolution, pt.size) if self.d0_resolution > 0 else None
        smeared = pt.copy()
        factor = np.zeros_like(pt)  # the prompt efficiency (product) or 1 (d0_only)
        static_ok = np.ones(pt.size, bool)
        for fl in (11, 13):
            sel = apdg == fl
            card = self.lep[fl]
            energy_like = flat["e"][sel] if card["resolution"]["form"] == "stochastic" else pt[sel]
            sigma = resolution(card["resolution"], energy_like)
            smeared[sel] = pt[sel] * np.maximum(1.0 + sigma * rng.normal(size=sel.sum()), 0.0)
            static_ok[sel] &= np.abs(eta[sel]) < card["abs_eta_max"]
            prompt = _map_lookup(card["efficiency"], smeared[sel], np.abs(eta[sel]))
            factor[sel] = prompt if (self.d0_eff is None or self.combine == "product") else 1.0
        static_ok &= smeared > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            iso = {f: np.where(smeared > 0, flat[f] / smeared, np.inf) for f in ISO_FIELDS}
        for fl in (11, 13):
            filt = self.lep[fl].get("isolation_filter")
            if filt:
                static_ok &= ~((apdg == fl) & (iso[iso_field(filt["cone"])] >= filt["max"]))
        # jets
        j = events.jets
        jc = ak.to_numpy(ak.num(j))
        jpx, jpy, jpz, je = (ak.to_numpy(ak.flatten(j[f])) for f in ("px", "py", "pz", "e"))
        jpt = np.hypot(jpx, jpy)
        jeta = np.arcsinh(jpz / np.maximum(jpt, 1e-12))
        jphi = np.arctan2(jpy, jpx)
        jpt = jpt * np.maximum(1.0 + resolution(self.jets["resolution"], je) * rng.normal(size=jpt.size), 0.0)
        jets = ak.unflatten(ak.zip({"pt": jpt, "eta": jeta, "phi": jphi}), jc)
        jets = jets[(jets.pt > self.jet_pt_min) & (abs(jets.eta) < self.jets["abs_eta_max"])]
        # missing pT (``negative_objects_sum`` needs the reconstructed objects: ``finish``)
        if self.missing_pt == "truth_invisible":
            met = np.column_stack([ak.to_numpy(events.inv_px), ak.to_numpy(events.inv_py)])
        elif self.missing_pt == "negative_visible_sum":
            met = -np.column_stack([ak.to_numpy(events.vis_px), ak.to_numpy(events.vis_py)])
        else:
            met = None
        return Prepared(
            counts,
            apdg,
            charge,
            flat["pdg"],
            flat["px"],
            flat["py"],
            smeared,
            eta,
            phi,
            flat["llp"],
            factor,
            static_ok,
            iso,
            d0_noise,
            jets,
            met,
            ak.to_numpy(events.weight),
            ak.to_numpy(events.event),
            residual_jets(events, llp_leptons_clustered),
        )

    def d0_factor(self, apdg: np.ndarray, d0: np.ndarray, pt: np.ndarray, rxy: np.ndarray | None = None) -> np.ndarray:
        """The d0 efficiency of each lepton (1 without a d0 parametrisation); a map in (pT, |d0|) takes the pT, one
        in (pT, production radius) the radius ``rxy`` (mm)."""
        if self.d0_eff is None:
            return np.ones_like(d0)
        out = np.empty_like(d0)
        for fl in (11, 13):
            sel = apdg == fl
            e = self.d0_eff[fl]
            if isinstance(e, (PtRMap, PtRD0Map)):
                if rxy is None:
                    raise LepreintError("an efficiency map in production radius needs the leptons' radii")
                out[sel] = e(pt[sel], rxy[sel], d0[sel]) if isinstance(e, PtRD0Map) else e(pt[sel], rxy[sel])
            elif isinstance(e, PtD0Map):
                out[sel] = e(pt[sel], d0[sel])
            else:
                out[sel] = e(d0[sel])
        return out

    def impact_parameter(self, prep: Prepared, vx: np.ndarray, vy: np.ndarray) -> np.ndarray:
        if self.d0_model == "helix":
            d0 = d0_helix(vx, vy, prep.px, prep.py, prep.charge, self.bfield)
        else:
            d0 = d0_straight(vx, vy, prep.px, prep.py)
        if prep.d0_noise is not None:
            d0 = np.abs(d0 + prep.d0_noise)
        return d0

    def efficiency(self, prep: Prepared, vx: np.ndarray, vy: np.ndarray, vz: np.ndarray, d0: np.ndarray) -> np.ndarray:
        """Per lepton: the identification probability for production vertices (vx, vy, vz) and this d0."""
        accept = prep.static_ok & in_tracker(vx, vy, vz, self.radius, self.half_length)
        return np.where(accept, prep.factor * self.d0_factor(prep.apdg, d0, prep.pt, np.hypot(vx, vy)), 0.0)

    def finish(self, prep: Prepared, vx: np.ndarray, vy: np.ndarray, vz: np.ndarray) -> RecoEvents:
        """The reconstructed events for these lepton production vertices (flat, in ``prepare``'s order)."""
        d0 = self.impact_parameter(prep, vx, vy)
        eff = self.efficiency(prep, vx, vy, vz, d0)
        reco = ak.unflatten(
            ak.zip(
                {
                    "pdg": prep.pdg,
                    "charge": prep.charge.astype(np.int8),
                    "pt": prep.pt,
                    "eta": prep.eta,
                    "phi": prep.phi,
                    "d0": d0,
                    "eff": eff,
                    "rxy": np.hypot(vx, vy),
                    **prep.iso,
                    "llp": prep.llp,
                }
            ),
            prep.counts,
        )
        reco = reco[reco.eff > 0]
        jets = self._remove_lepton_overlaps(prep.jets, reco)
        met = prep.met
        if met is None:
            mx = -(
                ak.to_numpy(ak.sum(reco.pt * np.cos(reco.phi), axis=1))
                + ak.to_numpy(ak.sum(jets.pt * np.cos(jets.phi), axis=1))
            )
            my = -(
                ak.to_numpy(ak.sum(reco.pt * np.sin(reco.phi), axis=1))
                + ak.to_numpy(ak.sum(jets.pt * np.sin(jets.phi), axis=1))
            )
            met = np.column_stack([mx, my])
        return RecoEvents(reco, jets, met, prep.weight, prep.event, prep.residual_jets)

    def simulate(self, events: ak.Array, rng: np.random.Generator, llp_leptons_clustered: bool = False) -> RecoEvents:
        prep = self.prepare(events, rng, llp_leptons_clustered)
        vx, vy, vz = (ak.to_numpy(ak.flatten(events.leptons[f])) for f in ("vx", "vy", "vz"))
        return self.finish(prep, vx, vy, vz)
