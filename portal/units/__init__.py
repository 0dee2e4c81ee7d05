"""Units (整机) and their 三包 warranty cards, with the coverage rules."""
