"""Analytics: statistics for policy from case work (multiple systems estimation of the hidden
number, disclosure control for public tables). The scientific core is pure (no I/O)."""
