"""催办与时限提醒 (oversight, issue 10)."""
