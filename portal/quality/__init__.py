"""Early warning on production batches: a key part failing more often in one batch."""
