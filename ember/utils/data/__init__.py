"""ember.utils.data: datasets, samplers, DataLoader (to be written)."""
