"""The product catalogue and the maker's warranty policy."""
