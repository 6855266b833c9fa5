"""Writes to the administrative map: importing it, activating communes, editing villages."""

import json
from typing import Any

import vietnam_provinces
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from langso.core import access, selectors
from langso.core.errors import DomainError
from langso.core.history import history_record
from langso.core.models import Commune, Department, Province, Village
from langso.core.text import normalize_spaces


def commune_slug(codename: str, code: int) -> str:
    base = codename.removeprefix("xa_").removeprefix("phuong_").removeprefix("dac_khu_")
    return slugify(f"{base}-{code}".replace("_", "-"))


@transaction.atomic
def geography_import() -> tuple[int, int]:
    """Load or refresh all 34 provinces and 3,321 communes from ``vietnam-provinces``.

    Idempotent: existing rows are updated by code, activation is never touched.
    """
    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as fh:
        divisions: list[dict[str, Any]] = json.load(fh)
    provinces = {p.code: p for p in Province.objects.all()}
    communes = {c.code: c for c in Commune.objects.all()}
    new_provinces, new_communes = [], []
    changed_provinces, changed_communes = [], []
    for p in divisions:
        fields = {"name": p["name"], "codename": p["codename"].replace("_", "-"),
                  "division_type": p["division_type"]}
        province = provinces.get(p["code"])
        if province is None:
            province = Province(code=p["code"], **fields)
            new_provinces.append(province)
        else:
            for k, v in fields.items():
                setattr(province, k, v)
            changed_provinces.append(province)
    Province.objects.bulk_create(new_provinces)
    Province.objects.bulk_update(changed_provinces, ["name", "codename", "division_type"])
    provinces = {p.code: p for p in Province.objects.all()}
    for p in divisions:
        for w in p["wards"]:
            fields = {"province": provinces[p["code"]], "name": w["name"],
                      "codename": w["codename"], "division_type": w["division_type"],
                      "slug": commune_slug(w["codename"], w["code"])}
            commune = communes.get(w["code"])
            if commune is None:
                new_communes.append(Commune(code=w["code"], **fields))
            else:
                for k, v in fields.items():
                    setattr(commune, k, v)
                changed_communes.append(commune)
    Commune.objects.bulk_create(new_communes, batch_size=500)
    Commune.objects.bulk_update(changed_communes,
                                ["province", "name", "codename", "division_type", "slug"],
                                batch_size=500)
    return Province.objects.count(), Commune.objects.count()


@transaction.atomic
def commune_activate(*, commune: Commune, actor: Any = None, reason: str = "") -> Commune:
    """Switch a commune on in this installation and give it the standard departments."""
    commune = Commune.objects.select_for_update().get(pk=commune.pk)
    if commune.is_active:
        return commune
    commune.is_active = True
    commune.save(update_fields=["is_active"])
    for kind, label in Department.Kind.choices:
        Department.objects.get_or_create(commune=commune, kind=kind,
                                         defaults={"name": str(label)})
    history_record(obj=commune, action="commune.activate", actor=actor,
                   from_state="inactive", to_state="active", reason=reason)
    transaction.on_commit(selectors.public_page_forget)
    return commune


def _clean_village_name(name: str) -> str:
    name = normalize_spaces(name)
    if not name:
        raise DomainError(_("Vui lòng nhập tên thôn."), field_errors={"name": [
            _("Vui lòng nhập tên thôn.")]})
    if len(name) > 100:
        raise DomainError(_("Tên thôn không được dài quá 100 ký tự."))
    return name


@transaction.atomic
def village_create(*, actor: Any, commune: Commune, name: str,
                   kind: str = Village.Kind.THON) -> Village:
    access.require(actor, "village.manage", commune)
    if kind not in Village.Kind.values:
        raise DomainError(_("Loại thôn không hợp lệ."))
    village = Village(commune=commune, name=_clean_village_name(name), kind=kind)
    village.refresh_keys()
    try:
        with transaction.atomic():
            village.save()
    except IntegrityError as exc:
        raise DomainError(_("Xã đã có thôn mang tên này.")) from exc
    history_record(obj=village, action="village.create", actor=actor, to_state=village.name)
    transaction.on_commit(selectors.public_page_forget)
    return village


@transaction.atomic
def village_rename(*, actor: Any, village: Village, name: str, kind: str | None = None,
                   reason: str = "") -> Village:
    village = Village.objects.select_for_update().get(pk=village.pk)
    access.require(actor, "village.manage", village)
    old = str(village)
    village.name = _clean_village_name(name)
    if kind:
        if kind not in Village.Kind.values:
            raise DomainError(_("Loại thôn không hợp lệ."))
        village.kind = kind
    village.refresh_keys()
    try:
        with transaction.atomic():
            village.save(update_fields=["name", "kind", "name_key", "sort_key"])
    except IntegrityError as exc:
        raise DomainError(_("Xã đã có thôn mang tên này.")) from exc
    history_record(obj=village, action="village.rename", actor=actor, from_state=old,
                   to_state=str(village), reason=reason)
    transaction.on_commit(selectors.public_page_forget)
    return village
