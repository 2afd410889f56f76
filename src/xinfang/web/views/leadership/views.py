"""Workbench pages of leadership (issue 10): 接待日 and 下访."""
