"""The paper's network (Sec. 4.2): training, numpy inference of the shipped model, its heavy-flavour
efficiency (``network``)."""
