"""Readers' problem reports: sent from a public article page, answered by an
editor (resolved, or a re-review started from them)."""
