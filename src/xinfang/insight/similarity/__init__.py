"""Repeat and duplicate detection (同人 + 同事, DESIGN §7, issue 12)."""
