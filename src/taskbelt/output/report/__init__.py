"""Renderers: pure functions from a RunSummary to text."""
