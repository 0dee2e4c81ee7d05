"""销售发货清单: what the maker shipped to a dealer, and the dealer's confirmation of receipt."""
