"""Shelves that answer requests: a multilingual vocabulary, the shelf index and request matching."""
