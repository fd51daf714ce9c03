"""Faces without a database: detection, alignment and embeddings (the engine), the public-figure gallery,
the liveness challenge, and synthetic people for tests and benchmarks."""
