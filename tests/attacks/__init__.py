"""Attacks on signoff, one test each: every one must fail closed."""
