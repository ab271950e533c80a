"""pooling (to be written)."""
