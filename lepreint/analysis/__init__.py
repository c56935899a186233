"""Analyses of the paper and of the CMS searches it builds on (issue 4, in progress):
``selection.select`` applies an analysis card to reconstructed events."""
