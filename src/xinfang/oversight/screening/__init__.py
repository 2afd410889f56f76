"""矛盾纠纷排查 (oversight, issue 10)."""
