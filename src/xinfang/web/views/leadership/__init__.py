"""Workbench pages of leadership (issue 10)."""
