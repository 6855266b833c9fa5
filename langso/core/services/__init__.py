"""Every write of the core app; one module per concern."""
