"""领导接访与包案 (oversight, issue 10)."""
