"""Models of 领导接访与包案."""
