"""Views of the citizen portal: thin (parse, call one service or selector, render)."""
