"""Workbench pages of notifications (issue 10)."""
