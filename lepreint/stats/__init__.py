"""Statistics and backgrounds: the paper's Q and R95 and pyhf's CLs (``limits``), and the heavy-flavour
background from kappa transfer factors (``heavy_flavour``)."""
