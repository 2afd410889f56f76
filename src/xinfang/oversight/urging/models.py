"""Models of 催办与时限提醒."""
