"""The JSON API under /api/v1/: shared error format, pagination, throttling, core routes."""
