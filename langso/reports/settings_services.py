"""Writes of a commune's field-report setup: its deadlines and rules (``ReportSettings``),
its categories and their response templates. Each checks ``report.settings`` and records
what changed (before and after) in the commune's history."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from langso.core import access
from langso.core.errors import DomainError, PermissionDenied
from langso.core.history import history_record
from langso.core.models import Commune, Department
from langso.reports.models import Category, ReportSettings, ResponseTemplate
from langso.reports.services import VIETNAM_BOX, settings_for

SETTINGS_FIELDS = ("acknowledge_hours", "urgent_hours", "normal_days", "complex_days",
                   "reopen_days", "approval_required", "nearby_radius_m",
                   "south", "west", "north", "east")
BOX_FIELDS = ("south", "west", "north", "east")
CATEGORY_FIELDS = ("code", "name", "description", "group", "keywords", "department",
                   "is_active", "position")
TEMPLATE_FIELDS = ("title", "text", "is_active")


def _require(actor: Any, commune: Commune | int) -> None:
    if not access.can(actor, "report.settings", commune):
        raise PermissionDenied(_("Bạn không có quyền sửa cấu hình phản ánh của xã này."))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Department):
        return value.name
    return value


def _check_fields(instance: Any, names: tuple[str, ...]) -> None:
    """The model's own validators (ranges, lengths) as a DomainError per field."""
    exclude = [f.name for f in instance._meta.fields if f.name not in names]
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as exc:
        errors = {name: [str(m) for m in messages]
                  for name, messages in exc.message_dict.items()}
        raise DomainError(_("Vui lòng kiểm tra lại các giá trị."),
                          field_errors=errors) from exc


def _check_box(values: dict[str, Any]) -> None:
    box = [values[k] for k in BOX_FIELDS]
    if all(v is None for v in box):
        return
    if any(v is None for v in box):
        message = _("Nhập đủ bốn cạnh của khung bao xã, hoặc để trống cả bốn.")
        raise DomainError(message, field_errors={k: [message] for k in BOX_FIELDS
                                                 if values[k] is None})
    south, west, north, east = box
    v_south, v_west, v_north, v_east = VIETNAM_BOX
    if not (v_south <= south < north <= v_north and v_west <= west < east <= v_east):
        message = _("Khung bao không hợp lệ: cạnh nam phải nhỏ hơn cạnh bắc, cạnh tây nhỏ "
                    "hơn cạnh đông, và nằm trong lãnh thổ Việt Nam.")
        raise DomainError(message, field_errors={"north": [message]})


@transaction.atomic
def report_settings_update(*, actor: Any, commune: Commune, now: dt.datetime | None = None,
                           **data: Any) -> ReportSettings:
    """The chairman or the commune's administrator sets the commune's deadlines (working
    hours and days on the core clock), the reopen window, whether answers need a leader's
    approval, the nearby-duplicate radius and the commune's bounding box."""
    now = now or timezone.now()
    _require(actor, commune)
    settings_for(commune)
    current = ReportSettings.objects.select_for_update().get(commune=commune)
    values = {k: data[k] for k in SETTINGS_FIELDS}
    for key in BOX_FIELDS:
        if values[key] is not None:
            values[key] = Decimal(str(values[key])).quantize(Decimal("0.000001"))
    values["approval_required"] = bool(values["approval_required"])
    _check_box(values)
    changed = [k for k in SETTINGS_FIELDS if getattr(current, k) != values[k]]
    if not changed:
        return current
    before = {k: _plain(getattr(current, k)) for k in changed}
    for key in changed:
        setattr(current, key, values[key])
    _check_fields(current, tuple(changed))
    current.save(update_fields=[*changed, "updated_at"])
    history_record(obj=current, action="report.settings_update", actor=actor,
                   commune=commune, now=now,
                   data={"before": before, "after": {k: _plain(values[k]) for k in changed}})
    return current


def _category_values(commune: Commune, data: dict[str, Any]) -> dict[str, Any]:
    values = {k: data[k] for k in CATEGORY_FIELDS}
    values["code"] = slugify(str(values["code"] or ""))[:50]
    if not values["code"]:
        message = _("Mã lĩnh vực chỉ gồm chữ không dấu, số và dấu gạch ngang.")
        raise DomainError(message, field_errors={"code": [message]})
    for key in ("name", "description", "group", "keywords"):
        values[key] = " ".join(str(values[key] or "").split())
    if not values["name"]:
        message = _("Vui lòng nhập tên lĩnh vực.")
        raise DomainError(message, field_errors={"name": [message]})
    department = values["department"]
    if department is not None and department.commune_id != commune.pk:
        message = _("Vui lòng chọn bộ phận xử lý của xã.")
        raise DomainError(message, field_errors={"department": [message]})
    values["is_active"] = bool(values["is_active"])
    values["position"] = int(values["position"] or 0)
    return values


@transaction.atomic
def category_save(*, actor: Any, commune: Commune, category: Category | None = None,
                  now: dt.datetime | None = None, **data: Any) -> Category:
    """Create a category (``category`` None) or change one; a category in use is turned
    off (``is_active``), never deleted: its reports keep it."""
    now = now or timezone.now()
    _require(actor, commune)
    if category is not None and category.commune_id != commune.pk:
        raise PermissionDenied(_("Bạn không có quyền sửa cấu hình phản ánh của xã này."))
    values = _category_values(commune, data)
    taken = Category.objects.filter(commune=commune, code=values["code"])
    if category is not None:
        taken = taken.exclude(pk=category.pk)
    if taken.exists():
        message = _("Mã lĩnh vực này đã có.")
        raise DomainError(message, field_errors={"code": [message]})
    if category is None:
        found = Category(commune=commune, **values)
        _check_fields(found, CATEGORY_FIELDS)
        found.save()
        history_record(obj=found, action="report.category_create", actor=actor,
                       commune=commune, now=now,
                       data={"after": {k: _plain(v) for k, v in values.items()}})
        return found
    found = Category.objects.select_for_update().get(pk=category.pk)
    changed = [k for k in CATEGORY_FIELDS if getattr(found, k) != values[k]]
    if not changed:
        return found
    before = {k: _plain(getattr(found, k)) for k in changed}
    for key in changed:
        setattr(found, key, values[key])
    _check_fields(found, tuple(changed))
    found.save(update_fields=changed)
    history_record(obj=found, action="report.category_update", actor=actor, commune=commune,
                   now=now, data={"before": before,
                                  "after": {k: _plain(values[k]) for k in changed}})
    return found


@transaction.atomic
def response_template_save(*, actor: Any, category: Category,
                           template: ResponseTemplate | None = None,
                           now: dt.datetime | None = None, **data: Any) -> ResponseTemplate:
    """Create or change a model answer of ``category``; officers start from it."""
    now = now or timezone.now()
    _require(actor, category.commune_id)
    if template is not None and template.category_id != category.pk:
        raise PermissionDenied(_("Bạn không có quyền sửa cấu hình phản ánh của xã này."))
    values = {"title": " ".join(str(data["title"] or "").split()),
              "text": str(data["text"] or "").replace("\r\n", "\n").strip(),
              "is_active": bool(data["is_active"])}
    if not values["title"] or not values["text"]:
        message = _("Vui lòng nhập tiêu đề và nội dung mẫu.")
        raise DomainError(message, field_errors={k: [message] for k in ("title", "text")
                                                 if not values[k]})
    if template is None:
        found = ResponseTemplate(category=category, **values)
        _check_fields(found, TEMPLATE_FIELDS)
        found.save()
        history_record(obj=found, action="report.template_create", actor=actor,
                       commune=category.commune, now=now,
                       data={"category": category.code, "title": values["title"]})
        return found
    found = ResponseTemplate.objects.select_for_update().get(pk=template.pk)
    changed = [k for k in TEMPLATE_FIELDS if getattr(found, k) != values[k]]
    if not changed:
        return found
    before = {k: getattr(found, k) for k in changed}
    for key in changed:
        setattr(found, key, values[key])
    _check_fields(found, tuple(changed))
    found.save(update_fields=changed)
    history_record(obj=found, action="report.template_update", actor=actor,
                   commune=category.commune, now=now,
                   data={"category": category.code, "before": before,
                         "after": {k: values[k] for k in changed}})
    return found
