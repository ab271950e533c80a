"""comparison (to be written)."""
