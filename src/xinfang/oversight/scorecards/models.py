"""Models of 考核通报与问责."""
