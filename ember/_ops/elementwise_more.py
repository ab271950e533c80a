"""elementwise_more (to be written)."""
