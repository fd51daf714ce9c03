"""Clip generation: the backend interface, the CPU procedural backend, media encoding, the create flow."""
