"""A commune's usual report categories (data/categories.json): roads, lighting, rubbish,
drainage, noise and public order, construction order, water, trees, animals and epidemics,
other — each routed to a department and with model answers. Safe to run again."""

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction

from langso.core.models import Commune, Department
from langso.reports.models import Category, ResponseTemplate

CATEGORIES_FILE = Path(__file__).parent / "data" / "categories.json"


@cache
def default_category_specs() -> tuple[dict[str, Any], ...]:
    document = json.loads(CATEGORIES_FILE.read_text(encoding="utf-8"))
    return tuple(document["categories"])


@transaction.atomic
def default_categories(commune: Commune) -> list[Category]:
    """Create the default categories the commune lacks (by code) with their department
    and response templates; a category the commune already has is left as it is (it may
    have renamed or rerouted it). Returns the default categories, in their order."""
    departments = {d.kind: d for d in Department.objects.filter(commune=commune)}
    existing = {c.code: c for c in Category.objects.filter(commune=commune)}
    out = []
    for position, spec in enumerate(default_category_specs()):
        category = existing.get(spec["code"])
        if category is None:
            category = Category.objects.create(
                commune=commune, code=spec["code"], name=spec["name"],
                description=spec["description"], group=spec["group"],
                keywords=spec["keywords"], department=departments.get(spec["department"]),
                position=(position + 1) * 10)
            ResponseTemplate.objects.bulk_create(
                ResponseTemplate(category=category, title=t["title"], text=t["text"])
                for t in spec["templates"])
        out.append(category)
    return out
