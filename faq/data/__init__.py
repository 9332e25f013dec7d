"""The knowledge base, the question set, the calibration and the lexicon (package data)."""
