"""The social layer: users, follows, clips once made, likes, comments, watch telemetry, the feed."""
