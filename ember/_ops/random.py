"""random (to be written)."""
