"""Reader questions ("Have a follow-up question?"): asked under a public article,
never shown publicly; an editor answers by mail, dismisses with a reason, or
commissions an article that answers it through review."""
