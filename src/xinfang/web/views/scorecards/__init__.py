"""Workbench pages of scorecards (issue 10)."""
