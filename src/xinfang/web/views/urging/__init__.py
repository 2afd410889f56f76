"""Workbench pages of urging (issue 10)."""
