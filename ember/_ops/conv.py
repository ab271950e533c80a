"""conv (to be written)."""
