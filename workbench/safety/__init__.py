"""Trust and safety: reports, moderation cases and the review queue."""
