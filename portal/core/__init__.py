"""Shared plumbing: database types, htmx rendering, permissions, audit trail, paging."""
