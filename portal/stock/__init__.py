"""库存产品返厂: a dealer's unsold units returned to the factory, and units deemed sold."""
