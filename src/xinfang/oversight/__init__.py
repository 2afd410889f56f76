"""督查督办 (oversight): leadership involvement in cases. For now 包案 (a leader's ownership of a case);
urging, supervision, instructions, reception days, screening and scorecards come later (DESIGN §8)."""
