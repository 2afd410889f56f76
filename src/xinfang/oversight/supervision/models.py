"""Models of 督办与批示."""
