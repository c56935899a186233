"""CMS-like detector response (issue 4, in progress): track geometry (d0 from the helix in the
solenoid, tracker acceptance) and the displaced-lepton efficiency versus d0."""
