"""Thin HTTP handlers and page rendering."""
