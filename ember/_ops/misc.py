"""misc (to be written)."""
