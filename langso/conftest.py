"""Shared fixtures: two communes in two provinces, staff of every role, a real MQTT broker."""

from collections.abc import Callable
from typing import Any

import pytest

from langso.core.models import (
    Commune,
    Department,
    Membership,
    Person,
    Province,
    Role,
    User,
    Village,
)


@pytest.fixture
def make_commune(db: Any) -> Callable[..., Commune]:
    def make(code: int = 8911, name: str = "Xã Tam Đảo", province_code: int = 25,
             province_name: str = "Tỉnh Phú Thọ") -> Commune:
        province, _ = Province.objects.get_or_create(
            code=province_code,
            defaults={"name": province_name, "codename": f"p{province_code}",
                      "division_type": "tỉnh"})
        commune = Commune.objects.create(
            code=code, province=province, name=name, codename=f"c{code}", slug=f"c-{code}",
            division_type="xã", is_active=True)
        for kind, label in Department.Kind.choices:
            Department.objects.create(commune=commune, kind=kind, name=str(label))
        return commune

    return make


@pytest.fixture
def commune(make_commune: Callable[..., Commune]) -> Commune:
    return make_commune()


@pytest.fixture
def other_commune(make_commune: Callable[..., Commune]) -> Commune:
    return make_commune(code=15469, name="Xã Yên Định", province_code=38,
                        province_name="Tỉnh Thanh Hóa")


@pytest.fixture
def make_village(db: Any) -> Callable[..., Village]:
    def make(commune: Commune, name: str = "Đồng Bả") -> Village:
        village = Village(commune=commune, name=name)
        village.refresh_keys()
        village.save()
        return village

    return make


@pytest.fixture
def village(commune: Commune, make_village: Callable[..., Village]) -> Village:
    return make_village(commune)


@pytest.fixture
def make_staff(db: Any) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(role: str, commune: Commune | None = None, *, village: Village | None = None,
             department_kind: str | None = None, province: Province | None = None) -> User:
        user = User.objects.create_user(
            username=f"{role}-{next(counter)}", password="pw-Secret-123",
            kind=User.Kind.STAFF, is_staff=True, full_name=f"Cán bộ {role}")
        extra: dict[str, Any] = {}
        if role == Role.PROVINCE_ADMIN:
            extra["province"] = province or commune.province  # type: ignore[union-attr]
        else:
            extra["commune"] = commune
        if role == Role.SPECIALIST:
            extra["department"] = Department.objects.get(
                commune=commune, kind=department_kind or Department.Kind.JUSTICE)
        if role in (Role.VILLAGE_HEAD, Role.DIGITAL_TEAM):
            extra["village"] = village
        Membership.objects.create(user=user, role=role, **extra)
        return user

    return make


@pytest.fixture
def citizen(db: Any) -> User:
    return User.objects.create_user(username="0912345678", phone="0912345678",
                                    password="pw-Secret-123", kind=User.Kind.CITIZEN,
                                    full_name="Nguyễn Thị Lan")


@pytest.fixture
def make_person(db: Any) -> Callable[..., Person]:
    def make(commune: Commune, full_name: str = "Nguyễn Văn An", **fields: Any) -> Person:
        person = Person(commune=commune, full_name=full_name, **fields)
        person.refresh_keys()
        person.save()
        return person

    return make


@pytest.fixture(scope="session")
def mqtt_url() -> Any:
    """The configured broker (Mosquitto in CI) or, where none answers, an embedded one."""
    from django.conf import settings

    from langso.core.mqtt_broker import EmbeddedBroker, broker_address, broker_answers

    if broker_answers(*broker_address(settings.MQTT_URL)):
        yield settings.MQTT_URL
        return
    broker = EmbeddedBroker().start()
    yield broker.url
    broker.stop()


# Real local servers: SMTP and HTTP gateways (langso/testing/servers.py); for accounts, the
# SMS gateway set up for one-time codes and an OpenID Connect provider.
from langso.testing.accounts import oidc_provider, sms  # noqa: E402, F401
from langso.testing.servers import gateway_server, smtp_server  # noqa: E402, F401


@pytest.fixture(autouse=True)
def _fresh_public_pages() -> Any:
    """Each test builds its own communes; the per-process public-page cache must not carry
    one test's commune (or dossier codes) into the next."""
    from langso.core import ratelimit
    from langso.core.selectors import public_page_forget
    from langso.onestop.status_cache import forget_all

    public_page_forget()
    forget_all()
    ratelimit.reset()  # counts of earlier tests (kept in Redis when REDIS_URL is set)
    yield
    public_page_forget()
    forget_all()


@pytest.fixture(autouse=True, scope="session")
def _signing_keys_outside_the_work_tree(tmp_path_factory: Any) -> Any:
    """Issued papers are signed with a development CA made on first use: one per test
    worker, in a temporary directory, never in the checkout's var/."""
    from django.conf import settings

    settings.SIGNING_DEV_DIR = str(tmp_path_factory.mktemp("signing"))
    return settings.SIGNING_DEV_DIR


@pytest.fixture(autouse=True)
def _vietnamese_by_default() -> Any:
    """A request in English (cookie, Accept-Language) leaves English active in the thread;
    each test starts in the site's language, whichever test ran before it in the worker."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
