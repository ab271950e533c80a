"""nn_ops (to be written)."""
