"""Each role's own landing page."""
