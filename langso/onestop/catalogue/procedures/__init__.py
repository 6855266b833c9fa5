"""One module per procedure, each with an ``ENTRY`` dict (see ``catalogue/__init__.py``)."""
