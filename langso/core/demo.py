"""The demo installation: Xã Tam Đảo (Phú Thọ) and Xã Yên Định (Thanh Hóa), fictional people.

Loaded by ``make run`` only; ``load_demo`` refuses to run unless LANGSO_DEBUG or LANGSO_DEMO
is set, so a production database never receives demo accounts.
"""

import functools
import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from langso.core import access
from langso.core.models import (
    Commune,
    Department,
    Household,
    HouseholdMember,
    Membership,
    Person,
    Relation,
    Role,
    User,
    Village,
)
from langso.core.services.geography import commune_activate, geography_import

DEMO_PASSWORD = "langso-demo-2026"  # noqa: S105 - published in README, demo only


@dataclass(frozen=True)
class DemoCommune:
    code: int
    prefix: str
    citizen_id_province: str  # birth-registration code used for fictional IDs
    address: str
    phone: str
    introduction: str
    villages: tuple[tuple[str, str], ...]


TAM_DAO = DemoCommune(
    code=8911, prefix="tamdao", citizen_id_province="026",
    address="Tổ dân phố 1, xã Tam Đảo, tỉnh Phú Thọ", phone="02113824xxx".replace("xxx", "210"),
    introduction="Xã du lịch trên núi Tam Đảo: khí hậu mát mẻ, homestay, đặc sản su su, "
                 "Tháp truyền hình và đền Bà Chúa Thượng Ngàn.",
    villages=(("to_dan_pho", "Tổ dân phố 1"), ("to_dan_pho", "Tổ dân phố 2"),
              ("thon", "Đồng Bả"), ("thon", "Làng Hà"), ("thon", "Sơn Đình")),
)
YEN_DINH = DemoCommune(
    code=15469, prefix="yendinh", citizen_id_province="038",
    address="Xã Yên Định, tỉnh Thanh Hóa", phone="0237386xxxx".replace("xxxx", "9210"),
    introduction="Xã thuần nông bên sông Mã, có làng cổ Hổ Thôn và nhiều sản phẩm OCOP.",
    villages=(("thon", "Hổ Thôn"), ("thon", "Phúc Thịnh"), ("thon", "Yên Trường"),
              ("thon", "Định Hòa")),
)
DEMO_COMMUNES = (TAM_DAO, YEN_DINH)

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý", "Đinh", "Trịnh"]
MIDDLE_MALE = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Công"]
MIDDLE_FEMALE = ["Thị", "Thu", "Ngọc", "Thanh", "Minh", "Hồng"]
GIVEN_MALE = ["An", "Anh", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Khánh", "Long",
              "Nam", "Phúc", "Quân", "Sơn", "Thắng", "Tuấn", "Việt"]
GIVEN_FEMALE = ["Ánh", "Châu", "Dung", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai",
                "Nga", "Oanh", "Phương", "Thảo", "Trang", "Yến"]

STAFF_ROLES = [
    (Role.CHAIRMAN, "chutich", "Chủ tịch"),
    (Role.VICE_CHAIRMAN, "phochutich", "Phó Chủ tịch"),
    (Role.ONE_STOP_OFFICER, "motcua", "Cán bộ một cửa"),
    (Role.SPECIALIST, "tuphap", "Công chức Tư pháp – Hộ tịch"),
    (Role.SPECIALIST, "diachinh", "Công chức Địa chính"),
    (Role.CLERK, "vanthu", "Văn thư"),
    (Role.VILLAGE_HEAD, "truongthon", "Trưởng thôn"),
    (Role.DIGITAL_TEAM, "congngheso", "Tổ công nghệ số"),
    (Role.COMMUNE_ADMIN, "quantri", "Quản trị xã"),
]


def _citizen_id(rng: random.Random, province: str, born: date, female: bool) -> str:
    century_digit = (born.year - 1900) // 100 * 2 + (1 if female else 0)
    return f"{province}{century_digit}{born.year % 100:02d}{rng.randrange(10**6):06d}"


@functools.cache
def _demo_password_hash() -> str:
    # Hashed once: two dozen accounts share it, and each hash costs about half a second.
    return make_password(DEMO_PASSWORD)


def _user(username: str, full_name: str, **extra: object) -> User:
    user, _created = User.objects.get_or_create(
        username=username,
        defaults={"full_name": full_name, "password": _demo_password_hash(), **extra})
    return user


def _staff(commune: Commune, spec: DemoCommune, villages: list[Village]) -> None:
    departments = {d.kind: d for d in Department.objects.filter(commune=commune)}
    for role, suffix, title in STAFF_ROLES:
        user = _user(f"{spec.prefix}.{suffix}", f"{title} {commune.name}",
                     kind=User.Kind.STAFF, is_staff=True)
        extra: dict[str, Any] = {}
        if suffix == "tuphap":
            extra["department"] = departments[Department.Kind.JUSTICE]
        elif suffix == "diachinh":
            extra["department"] = departments[Department.Kind.LAND]
        if role in access.VILLAGE_SCOPED_ROLES:
            extra["village"] = villages[0]
        Membership.objects.get_or_create(user=user, role=role, commune=commune, **extra)


def _residents(commune: Commune, spec: DemoCommune, villages: list[Village]) -> None:
    if Person.objects.filter(commune=commune).exists():
        return
    rng = random.Random(spec.code)  # fictional, reproducible demo data
    for household_no in range(24):
        village = villages[household_no % len(villages)]
        family = rng.choice(FAMILY)
        head_born = date(rng.randint(1950, 1990), rng.randint(1, 12), rng.randint(1, 28))
        members: list[tuple[Person, str]] = []
        plan = [(Relation.HEAD, False, head_born), (Relation.SPOUSE, True, None),
                *[(Relation.CHILD, rng.random() < 0.5, None) for _ in range(rng.randint(0, 3))]]
        for relation, female, born in plan:
            if born is None:
                base = head_born.year + (rng.randint(-4, 4) if relation == Relation.SPOUSE
                                         else rng.randint(22, 34))
                born = date(min(base, 2024), rng.randint(1, 12), rng.randint(1, 28))
            surname = family if relation != Relation.SPOUSE else rng.choice(FAMILY)
            middle = rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
            given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
            person = Person(
                commune=commune, full_name=f"{surname} {middle} {given}", date_of_birth=born,
                sex="female" if female else "male",
                citizen_id=_citizen_id(rng, spec.citizen_id_province, born, female),
                phone=f"09{rng.randrange(10**8):08d}" if born.year < 2008 else "",
                village=village, address=f"Số {household_no + 1}, {village}",
            )
            person.refresh_keys()
            person.save()
            members.append((person, relation))
        household = Household.objects.create(commune=commune, village=village,
                                             address=f"Số {household_no + 1}, {village}")
        HouseholdMember.objects.bulk_create(
            HouseholdMember(household=household, person=p, relation=r) for p, r in members)


@transaction.atomic
def demo_load() -> list[Commune]:
    """Create (or complete) the demo installation; safe to run again."""
    if not Commune.objects.exists():
        geography_import()
    loaded = []
    for spec in DEMO_COMMUNES:
        commune = Commune.objects.select_related("province").get(code=spec.code)
        commune = commune_activate(commune=commune, reason="demo")
        Commune.objects.filter(pk=commune.pk).update(
            address=spec.address, phone=spec.phone, introduction=spec.introduction)
        villages = []
        for kind, name in spec.villages:
            village = Village.objects.filter(commune=commune, name=name).first()
            if village is None:
                village = Village(commune=commune, kind=kind, name=name)
                village.refresh_keys()
                village.save()
            villages.append(village)
        _staff(commune, spec, villages)
        _residents(commune, spec, villages)
        loaded.append(commune)
    phu_tho = Commune.objects.get(code=TAM_DAO.code).province
    province_admin = _user("phutho.quantri", "Quản trị Sở KH&CN Phú Thọ",
                           kind=User.Kind.STAFF, is_staff=True)
    Membership.objects.get_or_create(user=province_admin, role=Role.PROVINCE_ADMIN,
                                     province=phu_tho)
    citizen = _user("0912000001", "Nguyễn Thị Lan", kind=User.Kind.CITIZEN, phone="0912000001")
    lan = Person.objects.filter(commune__code=TAM_DAO.code).order_by("pk").first()
    if lan is not None and not Person.objects.filter(user=citizen).exists():
        Person.objects.filter(pk=lan.pk).update(user=citizen)
    _user("0913000002", "Công ty TNHH Homestay Mây Núi", kind=User.Kind.BUSINESS,
          phone="0913000002")
    if not User.objects.filter(username="admin").exists():
        _user("admin", "Quản trị hệ thống", kind=User.Kind.STAFF, is_staff=True,
              is_superuser=True)
    from langso.onestop.catalogue.loader import onestop_demo_load  # the one-stop demo
    from langso.onestop.demo import demo_dossiers_load

    onestop_demo_load(loaded)
    for commune in loaded:
        demo_dossiers_load(commune)
    from langso.reports.demo import demo_reports_load  # field reports

    for commune in loaded:
        demo_reports_load(commune)
    return loaded
