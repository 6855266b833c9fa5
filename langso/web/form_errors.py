"""Showing a service's DomainError on the form that caused it."""

from typing import Any

from langso.core.errors import DomainError


def add_domain_errors(form: Any, error: DomainError,
                      rename: dict[str, str] | None = None) -> None:
    """Put each field message next to its field (``rename`` maps a service's field name to
    the form's), anything else at the top of the form."""
    rename = rename or {}
    for field, errors in error.field_errors.items():
        name = rename.get(field, field)
        for message in errors:
            form.add_error(name if name in form.fields else None, message)
    if not error.field_errors:
        form.add_error(None, error.message)
