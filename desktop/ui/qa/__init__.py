"""QA mode: the Simulator window (`qaSimulator`) with the eligibility inspector (`--qa` only)."""
