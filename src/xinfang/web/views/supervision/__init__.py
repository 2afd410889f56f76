"""Workbench pages of supervision (issue 10)."""
