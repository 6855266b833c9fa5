"""Loads the shipped catalogue into the database, and the demo communes' one-stop offices.

Idempotent: running it again changes nothing; an entry whose rules changed gets a new
version (``catalogue_services.procedure_sync``), so dossiers filed earlier keep theirs.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from langso.core.models import Commune, Role, User
from langso.onestop import catalogue, catalogue_services
from langso.onestop.services import office_settings


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    new_versions: int = 0
    unchanged: int = 0


@transaction.atomic
def catalogue_load(*, entries: Iterable[Mapping[str, Any]] | None = None) -> LoadReport:
    report = LoadReport()
    for entry in catalogue.entries() if entries is None else entries:
        result = catalogue_services.procedure_sync(entry=entry)
        report.created += result.created
        report.updated += result.updated
        report.new_versions += result.new_versions
        if not (result.created or result.updated or result.new_versions):
            report.unchanged += 1
    return report


# Fictional accounts for the demo only. BINs are the banks' real NAPAS identifiers, so a
# banking app reads the VietQR code: 970415 VietinBank, 970405 Agribank.
DEMO_BANK_ACCOUNTS: dict[int, dict[str, Any]] = {
    8911: {"bank_bin": "970415", "bank_account": "113000891100",
           "bank_account_name": "UBND XA TAM DAO"},
    15469: {"bank_bin": "970405", "bank_account": "3500201546900",
            "bank_account_name": "UBND XA YEN DINH"},
}


def onestop_demo_load(communes: Iterable[Commune]) -> None:
    """Called by ``manage.py load_demo``: the catalogue, and each demo commune's office with
    a demo bank account, set by its chairman through the same service as the screen."""
    catalogue_load()
    for commune in communes:
        settings = office_settings(commune)
        account = DEMO_BANK_ACCOUNTS.get(commune.code)
        chairman = User.objects.filter(memberships__commune=commune,
                                       memberships__role=Role.CHAIRMAN).first()
        if account is None or chairman is None or settings.bank_account:
            continue
        catalogue_services.office_settings_update(
            actor=chairman, commune=commune, organ_code=settings.organ_code,
            office_name=settings.office_name, return_place=settings.return_place,
            warn_days_before=settings.warn_days_before, **account)
