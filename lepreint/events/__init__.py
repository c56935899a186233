"""Events, the bottom of the pipeline: the slim-event schema and its cache (``slim``), generation with Pythia 8
and lepreint's own long-lived-particle decays (``generation``), HepMC3 in and out (``hepmc``), every input path
(``inputs``), and moving decay vertices to another lifetime (``lifetime``)."""
