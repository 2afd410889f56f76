"""Hot spots (热点问题) and early warning (预警) of DESIGN §7 (issue 12)."""
