"""The assessor's evidence bag: one article's facts as a ZIP (issue 18)."""
