"""Parameter data files (JSON): national values and one file per province."""
