"""Notifications: sending them (in the page, by e-mail), reading them, preferences and the digest."""
