"""CMS-like detector response: track geometry (d0 from the helix in the
solenoid, tracker acceptance), the displaced-lepton efficiency versus d0 with named extrapolations,
and ``Detector.simulate`` (slim events -> reconstructed leptons with d0 and efficiency probabilities,
smeared jets, missing pT), configured by a detector card (``cards/detector/cms_run2.yaml``)."""
