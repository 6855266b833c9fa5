"""``{% payment_panel dossier %}``: the fee, its VietQR code and the officer's confirm form,
on the staff dossier screen and the citizen's dossier page alike."""

from typing import Any

from django import template

from langso.onestop.models import Dossier

register = template.Library()


@register.inclusion_tag("onestop/partials/_payment_panel.html", takes_context=True)
def payment_panel(context: Any, dossier: Dossier) -> dict[str, Any]:
    from langso.onestop.payment_views import panel_context

    values = panel_context(context.get("request"), dossier)
    # The inclusion template gets a fresh context: the form needs the page's CSRF token.
    values["csrf_token"] = context.get("csrf_token")
    return values
