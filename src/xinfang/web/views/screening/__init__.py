"""Workbench pages of screening (issue 10)."""
