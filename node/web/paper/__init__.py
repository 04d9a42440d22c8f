"""Printed paper: letterbox stickers, posters and weekly digests as PDF (reportlab, segno)."""
