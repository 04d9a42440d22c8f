"""Listings: offers and requests, their photos, revisions, categories and search; remote listings kept."""
