"""Screening: the identification rules, as versioned rulesets evaluated by pure code."""
