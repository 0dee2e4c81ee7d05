"""Failure analytics and dealer scorecards."""
