"""Transitions that span domains: the steps one action takes in claims, returns and service,
listed in one place (above those domains, below finance and the pages that compose them)."""
