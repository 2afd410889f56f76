"""Models of 矛盾纠纷排查."""
