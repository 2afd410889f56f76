"""督办与批示 (oversight, issue 10)."""
