"""Cameos: verified, consenting likenesses that others may put into clips."""
