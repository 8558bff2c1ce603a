"""Writes of the risks app: the only place that changes its tables."""
