"""考核通报与问责 (oversight, issue 10)."""
