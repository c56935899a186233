"""Sample generation: Pythia 8 in-process (``pythia``), lepreint's decays of long-lived particles (``decays``,
``species``), the slim rows of a chunk (``assemble``), workers, seeds and the cache (``engine``)."""
