"""Rendering for people: terminal text, JSON and the HTML report."""
