"""POST requests: the shape of the specification's parameters (a form), then one service
that records the report through ``services.report_submit`` with source Open311."""

import datetime as dt
import re
import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from langso.core.errors import DomainError
from langso.core.history import history_record
from langso.core.models import Commune, Village
from langso.core.validators import normalize_phone
from langso.reports import services
from langso.reports.models import Category, Open311Key, Report, Source
from langso.reports.open311 import reads

# The specification: "This may contain line breaks, but not html or code."
_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]")
# A retry of the same POST finds the first report (services.report_submit): the client's
# Idempotency-Key, scoped to its api_key and device, names the report.
TOKEN_NAMESPACE = uuid.UUID("6f0c5b1e-3a1d-4f7e-9a43-2b8d7c31e311")
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")


def _no_markup(value: str) -> None:
    if _MARKUP.search(value or ""):
        raise ValidationError(_("Không được chứa mã HTML hay mã lệnh."), code="markup")


class RequestForm(forms.Form):
    """The specification's parameters; lengths here only bound the input, the rules of a
    report (4000 characters, at least 10, Vietnam, …) are the service's."""

    service_code = forms.CharField(max_length=50, error_messages={
        "required": gettext_lazy("Thiếu service_code.")})
    lat = forms.CharField(max_length=40, required=False)
    long = forms.CharField(max_length=40, required=False)
    address_string = forms.CharField(max_length=255, required=False,
                                     validators=[_no_markup])
    address_id = forms.CharField(max_length=20, required=False)
    email = forms.EmailField(max_length=254, required=False)
    phone = forms.CharField(max_length=30, required=False)
    first_name = forms.CharField(max_length=75, required=False, validators=[_no_markup])
    last_name = forms.CharField(max_length=75, required=False, validators=[_no_markup])
    device_id = forms.CharField(max_length=100, required=False)
    account_id = forms.CharField(max_length=100, required=False)
    # 4000 after line breaks are counted once (the service); twice that bounds the input.
    description = forms.CharField(max_length=8000, required=False, strip=False,
                                  validators=[_no_markup])
    media_url = forms.CharField(max_length=1000, required=False,
                                validators=[URLValidator(schemes=["http", "https"])])

    def __init__(self, data: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.attributes = {name[len("attribute["):-1]: data.get(name) for name in data
                           if name.startswith("attribute[") and name.endswith("]")
                           and "][" not in name}

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        return normalize_phone(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_point = bool(data.get("lat") or data.get("long"))
        village_key = (self.attributes.get(reads.VILLAGE) or "").strip()
        address_id = (data.get("address_id") or "").strip()
        if address_id and village_key and address_id != village_key:
            self.add_error("address_id", _("address_id và attribute[village] khác nhau."))
        data["village_key"] = address_id or village_key
        if not (has_point or data.get("address_string") or data["village_key"]):
            raise ValidationError(_("Cần một vị trí: lat và long, address_string hoặc "
                                    "address_id."), code="location")
        confidential = (self.attributes.get(reads.CONFIDENTIAL) or "false").strip().lower()
        if confidential not in reads.YES_NO:
            self.add_error(None, _("attribute[confidential] phải là true hoặc false."))
        data["confidential"] = confidential == "true"
        return data

    def domain_error(self) -> DomainError:
        fields = {name if name != "__all__" else "request": [str(m) for m in messages]
                  for name, messages in self.errors.items()}
        return DomainError(_("Yêu cầu không hợp lệ."), field_errors=fields)


def client_token(key: Open311Key, device_id: str, idempotency_key: str) -> uuid.UUID | None:
    """The report's client token for a POST that carries an Idempotency-Key (None without
    one): the same key, device and Idempotency-Key always name the same report."""
    if not idempotency_key:
        return None
    if not IDEMPOTENCY_KEY.match(idempotency_key):
        raise DomainError(_("Idempotency-Key chỉ gồm tối đa 100 ký tự ASCII in được."),
                          code="bad_idempotency_key")
    return uuid.uuid5(TOKEN_NAMESPACE, f"{key.public_id}\n{device_id}\n{idempotency_key}")


@transaction.atomic
def open311_request_submit(*, key: Open311Key, commune: Commune, category: Category,
                           description: str, latitude: str = "", longitude: str = "",
                           village: Village | None = None, address: str = "",
                           confidential: bool = False,
                           reporter: services.Reporter | None = None,
                           media_url: str = "", token: uuid.UUID | None = None,
                           now: dt.datetime | None = None) -> tuple[Report, str, bool]:
    """Record a report sent by the application of ``key``; returns it, the secret of the
    reporter's link (``services.report_submit``) and whether it is new (False: the
    Idempotency-Key named a report already sent, nothing else happened).

    ``media_url`` is never fetched nor published: it is kept, for staff, in the report's
    history (a third party's file has not been checked, cleaned or moderated)."""
    now = now or timezone.now()
    if key.commune_id != commune.pk:
        raise DomainError(_("Khóa không thuộc xã này."), code="invalid")
    report, secret = services.report_submit(
        commune=commune, reporter=reporter or services.Reporter(), category=category,
        description=description,
        latitude=latitude or None, longitude=longitude or None,
        location_source="device" if latitude else "address", village=village,
        address=address, confidential=confidential, client_token=token,
        source=Source.OPEN311, now=now)
    # A repeated send gets the first report back, made at its own (earlier) time.
    created = report.created_at == now
    if created:
        reason = (_("Ảnh/video ứng dụng gửi kèm (chưa kiểm tra, không công khai): %(url)s")
                  % {"url": media_url}) if media_url else ""
        history_record(obj=report, action="report.open311", commune=commune, now=now,
                       reason=reason,
                       data={"report": report.reference, "key": str(key.public_id),
                             "application": key.name,
                             **({"media_url": media_url} if media_url else {})})
    return report, secret, created
