"""Làng Số: the digital government of a Vietnamese commune."""
