"""Analyses of the paper and of the CMS searches it builds on:
``selection.select`` applies an analysis card to reconstructed events."""
