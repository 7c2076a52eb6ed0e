"""Renderers: pure functions of (articles, settings) that return bytes."""
