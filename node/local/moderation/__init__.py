"""Moderation: reports, the moderators' queue, hiding content, sanctions and blocks."""
