"""Media without a database: the rendering backends (frames from a request), the mp4 codec, moods, and
provenance (watermark and Content Credentials)."""
