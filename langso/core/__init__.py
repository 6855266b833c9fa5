"""Core: tenancy, people and roles, permissions, history, clock, notifications, uploads."""
