"""Demo data: a believable maker, dealers, users and catalogue."""
