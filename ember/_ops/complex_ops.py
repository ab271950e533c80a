"""complex_ops (to be written)."""
