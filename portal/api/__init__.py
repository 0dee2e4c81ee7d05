"""The JSON API for ERP and dealer systems (bearer tokens)."""
