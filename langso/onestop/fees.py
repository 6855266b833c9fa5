"""Fees and charges (phí, lệ phí) of a procedure version, computed from the application.

Rule shapes (``ProcedureVersion.fee``):
- ``{"kind": "free", "note": ...}``
- ``{"kind": "fixed", "amount": 20000, "online_amount": 10000, "per_field": "copies",
  "free_when": {"field": "on_time", "equals": true}}``
- ``{"kind": "per_page", "pages_field": "pages", "copies_field": "copies",
  "first_pages": 2, "first_page_price": 2000, "next_page_price": 1000, "cap": 200000}``
  (TT 226/2016/TT-BTC: 2,000 đ per page for the first two, 1,000 đ from the third,
  at most 200,000 đ per copy).
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from langso.core.errors import DomainError

KINDS = ("free", "fixed", "per_page")


def check_rule(rule: Any) -> dict[str, Any]:
    if not isinstance(rule, dict) or rule.get("kind") not in KINDS:
        raise DomainError(_("Quy định phí, lệ phí không hợp lệ."))
    for key in ("amount", "online_amount", "first_page_price", "next_page_price", "cap",
                "first_pages"):
        if key in rule and (not isinstance(rule[key], int) or rule[key] < 0):
            raise DomainError(_("Quy định phí, lệ phí không hợp lệ."))
    return rule


def _count(form_data: Mapping[str, Any], name: str | None) -> int:
    if not name:
        return 1
    value = form_data.get(name)
    return value if isinstance(value, int) and value > 0 else 1


def fee_for(rule: Mapping[str, Any], form_data: Mapping[str, Any], *, online: bool) -> int:
    """The amount in đồng the applicant owes for this application."""
    kind = rule.get("kind", "free")
    if kind == "free":
        return 0
    free_when = rule.get("free_when")
    if isinstance(free_when, dict) and \
            form_data.get(str(free_when.get("field"))) == free_when.get("equals"):
        return 0
    if kind == "fixed":
        amount = int(rule.get("amount", 0))
        if online and "online_amount" in rule:
            amount = int(rule["online_amount"])
        return amount * _count(form_data, rule.get("per_field"))
    pages = _count(form_data, rule.get("pages_field"))
    first = int(rule.get("first_pages", 2))
    per_copy = (min(pages, first) * int(rule.get("first_page_price", 0))
                + max(pages - first, 0) * int(rule.get("next_page_price", 0)))
    if rule.get("cap"):
        per_copy = min(per_copy, int(rule["cap"]))
    return per_copy * _count(form_data, rule.get("copies_field"))


def thousands(amount: int) -> str:
    """12.000 — Vietnamese groups thousands with dots."""
    return f"{int(amount):,}".replace(",", ".")


def money(amount: int) -> str:
    """12.000 đồng, as receipts, papers and messages write an amount."""
    return _("%(amount)s đồng") % {"amount": thousands(amount)}


def describe(rule: Mapping[str, Any]) -> str:
    """One line for the catalogue page and the receipt."""
    kind = rule.get("kind", "free")
    if rule.get("note"):
        return str(rule["note"])
    if kind == "free":
        return _("Miễn phí")
    if kind == "fixed":
        text = money(rule.get("amount", 0))
        if "online_amount" in rule:
            text += _("; nộp trực tuyến: %(amount)s đồng") % {
                "amount": thousands(rule["online_amount"])}
        return text
    return _("%(first)s đồng/trang với %(n)d trang đầu, %(next)s đồng/trang từ trang tiếp theo,"
             " tối đa %(cap)s đồng/bản") % {
        "first": thousands(rule.get("first_page_price", 0)),
        "n": int(rule.get("first_pages", 2)),
        "next": thousands(rule.get("next_page_price", 0)),
        "cap": thousands(rule.get("cap", 0))}
