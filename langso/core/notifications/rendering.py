"""Turning a template name and its context into subject, text and short (SMS) text.

Message templates are plain-text Django templates under
``templates/notifications/messages/``: ``<name>.subject.txt`` (one line),
``<name>.txt`` (inbox and e-mail body) and, optionally, ``<name>.sms.txt`` (SMS and Zalo;
the subject when missing). They are rendered without HTML escaping, in the recipient's
language: Vietnamese msgids, English from the translation catalogue.
"""

import contextlib
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.template import Engine, TemplateDoesNotExist
from django.utils import translation

TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PREFIX = "notifications/messages/"


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    short: str


@cache
def _engine() -> Engine:
    # Plain text: autoescape off, or "Nguyễn & Con" would arrive as "Nguyễn &amp; Con".
    from django.template.backends.django import get_installed_libraries

    return Engine(app_dirs=True, autoescape=False, libraries=get_installed_libraries())


def template_exists(name: str) -> bool:
    if not TEMPLATE_NAME.match(name or ""):
        return False
    try:
        _engine().get_template(f"{PREFIX}{name}.subject.txt")
        _engine().get_template(f"{PREFIX}{name}.txt")
    except TemplateDoesNotExist:
        return False
    return True


def render_message(name: str, context: dict[str, Any], *, language: str = "vi") -> Rendered:
    """Render the three parts; raises LookupError for an unknown template name."""
    if not template_exists(name):
        raise LookupError(f"Unknown notification template {name!r}")
    engine = _engine()
    with translation.override(language):
        subject = " ".join(engine.get_template(f"{PREFIX}{name}.subject.txt")
                           .render(_context(context)).split())
        body = engine.get_template(f"{PREFIX}{name}.txt").render(_context(context)).strip()
        short: str = subject
        with contextlib.suppress(TemplateDoesNotExist):
            short = engine.get_template(f"{PREFIX}{name}.sms.txt").render(_context(context))
    return Rendered(subject=subject[:200], body=body, short=" ".join(short.split()))


def _context(values: dict[str, Any]) -> Any:
    from django.template import Context

    return Context(values, autoescape=False)
