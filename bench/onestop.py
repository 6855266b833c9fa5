"""One-stop benchmarks of `make bench`: worklist, monthly statistics, PDF receipts.

Two commands, both run by ``bench/run.py`` in a subprocess with the benchmark's
environment (``python bench/onestop.py <command>``); each prints one ``BENCH_JSON`` line:

- ``status-dossier``: in the run's fresh database (the demo loaded), files a birth
  registration at the counter through the services and moves it on (received with its
  signed Form 01, assigned, in processing), so the public status page has a real dossier
  with its milestones to show under load. Prints its lookup code.
- ``measure``: in a database of its own (``<bench database>_onestop``, kept between runs),
  makes sure it holds ``--dossiers`` dossiers of which ``--open`` are open, all in one
  commune (the worst case: every filter by commune keeps them all), then times
  * the officers' worklist (selector, and the whole page through Django's test client with
    every middleware) for the one-stop officer and a specialist, p50/p95 over ``--requests``,
  * the monthly statistics of that commune (``statistics.dossier_statistics``),
  * Form 01 (the receipt) rendered with WeasyPrint, signed with pyHanko, and both,
    over ``--pdfs`` documents.

The data set is made once with PostgreSQL's COPY and recorded with a fingerprint (its
sizes, this generator's version and every migration file); a run whose fingerprint matches
reuses it, anything else drops the database and makes it again.
"""

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# Bump when the generated rows change shape: the kept data set is then made again.
GENERATOR_VERSION = 2
SEED = 20261123
BATCH = 50_000
BENCH_COMMUNE_CODE = 8911
TARGETS = {"worklist_p95_ms": 100.0, "statistics_s": 1.0, "status_vs_floor": 0.6}


def _configure_django(database_url: str | None = None) -> None:
    """Production settings (DEBUG off) with what a standalone run needs; ``bench/run.py``
    passes its own environment, which wins."""
    tmp = Path(tempfile.gettempdir()) / "langso-bench-onestop"
    defaults = {
        "DJANGO_SETTINGS_MODULE": "bench.settings", "BENCH_STATIC_ROOT": str(tmp / "static"),
        "LANGSO_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50), "SECURE_SSL_REDIRECT": "0",
        "SIGNING_KEY_BACKEND": "dev", "SIGNING_DEV_DIR": str(tmp / "signing"),
        "MEDIA_ROOT": str(tmp / "media"), "LOG_LEVEL": "WARNING", "LOG_FORMAT": "json",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    # The test client's host, besides whatever the caller allows.
    hosts = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1").split(",") if h]
    os.environ["ALLOWED_HOSTS"] = ",".join(dict.fromkeys([*hosts, "testserver"]))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    # Pages need the hashed static files of production; a standalone run collects them.
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        from django.core.management import call_command

        call_command("collectstatic", "--no-input", verbosity=0)


def emit(payload: dict[str, Any]) -> None:
    print("BENCH_JSON " + json.dumps(payload, ensure_ascii=False, default=str), flush=True)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        # nearest rank: the value below which q of the samples fall
        index = max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))
        return ordered[index]

    return {"n": len(ordered), "mean": round(statistics.fmean(ordered), 2),
            "p50": round(at(0.50), 2), "p95": round(at(0.95), 2),
            "max": round(ordered[-1], 2)}


def timed(function: Callable[[], Any], n: int, *, warmup: int = 3) -> dict[str, float]:
    """Milliseconds per call of ``function``, after ``warmup`` calls not counted."""
    for _i in range(warmup):
        function()
    samples = []
    for _i in range(n):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


# --- status-dossier -----------------------------------------------------------------------

def status_dossier() -> dict[str, Any]:
    """A birth registration of the demo commune moved to "processing" by its officers."""
    _configure_django()
    from django.db import transaction
    from django.urls import NoReverseMatch, reverse

    from langso.core.models import Commune, Membership, Person, User
    from langso.core.uploads.services import store_generated
    from langso.onestop import services
    from langso.onestop.models import Channel, Procedure

    commune = Commune.objects.get(code=BENCH_COMMUNE_CODE)
    officer = User.objects.get(username="tamdao.motcua")
    specialist = User.objects.get(username="tamdao.tuphap")
    procedure = Procedure.objects.get(code="1.001193")
    person = Person.objects.filter(commune=commune, citizen_id__gt="").order_by("pk").first()
    with transaction.atomic():
        paper = store_generated(commune=commune, name="giay-chung-sinh.pdf",
                                data=_tiny_pdf(), actor=officer)
        dossier = services.dossier_submit(
            actor=officer, commune=commune, procedure=procedure, channel=Channel.COUNTER,
            applicant=person, form_data=_birth_form(person),
            attachments=[services.AttachmentInput("birth_certificate", paper)])
        department = Membership.objects.get(user=specialist, commune=commune).department
        dossier = services.dossier_transition(actor=officer, dossier=dossier, action="assign",
                                              department=department, assignee=specialist)
        dossier = services.dossier_transition(actor=specialist, dossier=dossier,
                                              action="start")
    try:
        path = reverse("onestop:status_detail", args=[dossier.lookup_code])
    except NoReverseMatch:
        path = f"/tra-cuu/{dossier.lookup_code}/"
    return {"lookup_code": dossier.lookup_code, "code": dossier.code, "path": path,
            "steps": dossier.steps.count(), "status": dossier.status}


def _birth_form(person: Any) -> dict[str, Any]:
    return {
        "applicant_name": person.full_name if person else "Nguyễn Thị Lan",
        "applicant_birth_date": "1990-05-17", "applicant_id": "001190012345",
        "applicant_address": "Thôn Đồng Bả, xã Tam Đảo", "relation": "mother",
        "child_name": "Trần Minh Khang", "child_birth_date": "2026-11-10",
        "child_sex": "male", "child_ethnicity": "Kinh",
        "child_birth_place": "Trạm Y tế xã Tam Đảo", "child_home_town": "Tam Đảo, Phú Thọ",
        "mother_name": person.full_name if person else "Nguyễn Thị Lan",
    }


def _tiny_pdf() -> bytes:
    """A valid one-page PDF (what a scanned paper is, minus the picture)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


# --- the kept data set --------------------------------------------------------------------

def dataset_url(bench_url: str) -> str:
    explicit = os.environ.get("BENCH_ONESTOP_DATABASE_URL")
    if explicit:
        return explicit
    parts = urlsplit(bench_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_onestop"))


def fingerprint(dossiers: int, open_count: int) -> str:
    """What the rows were made from. The schema is checked separately (``schema_current``):
    a new migration is applied to the kept rows rather than remaking them."""
    return hashlib.sha256(f"v{GENERATOR_VERSION}:{dossiers}:{open_count}:{SEED}".encode()
                          ).hexdigest()


def schema_current(dossiers: int) -> str | None:
    """After ``migrate`` on the kept database: None if the rows can be reused, else why not
    (a migration history that no longer matches, columns or indexes the models declare and
    the tables lack, or a different number of dossiers)."""
    from django.core.management import call_command
    from django.db import connection

    from langso.onestop.models import Dossier, Payment

    try:
        call_command("migrate", "--no-input", verbosity=0)
        call_command("createcachetable")
    except Exception as exc:  # e.g. squashed or renumbered migrations: remake
        return f"migrate failed ({type(exc).__name__}: {exc})"
    with connection.cursor() as cursor:
        for model in (Dossier, Payment):
            table = model._meta.db_table
            described = connection.introspection.get_table_description(cursor, table)
            columns = {str(c.name) for c in described}
            wanted = {str(f.column) for f in model._meta.concrete_fields}
            if wanted - columns:
                return f"{table} lacks {sorted(wanted - columns)}"
            present = set(connection.introspection.get_constraints(cursor, table))
            declared = {i.name for i in model._meta.indexes} | {
                c.name for c in model._meta.constraints}
            if declared - present:
                return f"{table} lacks {sorted(declared - present)}"
    if Dossier.objects.count() != dossiers:
        return "a different number of dossiers"
    return None


def _admin(url: str) -> Any:
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                           password=parts.password, dbname="postgres", autocommit=True)


def _db_name(url: str) -> str:
    import re

    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"unexpected benchmark database name {name!r}")
    return name


def dataset_is_current(url: str, wanted: str) -> bool:
    import psycopg

    with _admin(url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              [_db_name(url)]).fetchone()
    if not exists:
        return False
    parts = urlsplit(url)
    with psycopg.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                         password=parts.password, dbname=_db_name(url)) as conn:
        table = conn.execute("SELECT to_regclass('bench_dataset')").fetchone()
        if not table or table[0] is None:
            return False
        row = conn.execute("SELECT value FROM bench_dataset WHERE key = 'fingerprint'"
                           ).fetchone()
    return bool(row and row[0] == wanted)


def dataset_recreate(url: str) -> None:
    with _admin(url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_db_name(url)} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {_db_name(url)}")


class Fixture:
    """The commune, its office and the accounts the generated dossiers refer to."""

    def __init__(self) -> None:
        from langso.core.models import Commune, Department, Role, User
        from langso.onestop.models import Procedure

        self.commune = Commune.objects.get(code=BENCH_COMMUNE_CODE)
        self.officer = User.objects.get(username="bench.motcua")
        self.chairman = User.objects.get(username="bench.chutich")
        self.departments = {d.kind: d for d in Department.objects.filter(commune=self.commune)}
        self.specialists: dict[int, list[int]] = {}
        for user in User.objects.filter(memberships__commune=self.commune,
                                        memberships__role=Role.SPECIALIST).distinct():
            for membership in user.memberships.filter(role=Role.SPECIALIST,
                                                      department__isnull=False):
                department_id = int(membership.department_id or 0)
                self.specialists.setdefault(department_id, []).append(user.pk)
        self.procedures = list(Procedure.objects.prefetch_related("versions").order_by("code"))


def _fixture_create() -> None:
    """A commune like the demo's (same code) with its departments, office and staff."""
    from langso.core.models import Commune, Department, Membership, Province, Role, User
    from langso.onestop.catalogue.loader import catalogue_load
    from langso.onestop.models import Procedure
    from langso.onestop.services import office_settings

    province = Province.objects.create(code=25, name="Tỉnh Phú Thọ", codename="phu_tho",
                                       division_type="tỉnh")
    commune = Commune.objects.create(code=BENCH_COMMUNE_CODE, province=province,
                                     name="Xã Tam Đảo", codename="tam_dao", slug="tam-dao",
                                     division_type="xã", is_active=True)
    for kind, label in Department.Kind.choices:
        Department.objects.create(commune=commune, kind=kind, name=str(label))
    catalogue_load()
    office = office_settings(commune)
    office.bank_bin, office.bank_account = "970415", "113000891100"
    office.bank_account_name = "UBND XA TAM DAO"
    office.save()

    def staff(username: str, role: str, department: Any = None) -> None:
        user = User.objects.create_user(username=username, password=secrets.token_urlsafe(),
                                        kind=User.Kind.STAFF, is_staff=True,
                                        full_name=f"Cán bộ {username}")
        Membership.objects.create(user=user, role=role, commune=commune,
                                  department=department)

    staff("bench.motcua", Role.ONE_STOP_OFFICER)
    staff("bench.chutich", Role.CHAIRMAN)
    for kind in set(Procedure.objects.values_list("department_kind", flat=True)):
        department = Department.objects.get(commune=commune, kind=kind)
        for n in range(1, 5):
            staff(f"bench.{kind}{n}", Role.SPECIALIST, department)


# Shares of states among open and closed dossiers (weights), and the time limits drawn.
OPEN_STATES = [("submitted", 10), ("received", 10), ("assigned", 25), ("processing", 35),
               ("supplement", 8), ("result_drafted", 7), ("signed", 3), ("result_ready", 2)]
CLOSED_STATES = [("returned", 92), ("refused", 3), ("withdrawn", 3), ("stopped", 2)]
HANDLED = ("assigned", "processing", "supplement", "result_drafted", "signed", "result_ready",
           "returned", "stopped")
SPAN_HOURS = (4, 24, 72, 120, 168, 360)
NAMES = ["Nguyễn Thị Lan", "Trần Văn An", "Lê Minh Khang", "Phạm Thu Hà", "Hoàng Quốc Bảo",
         "Vũ Thị Mai", "Đặng Đức Anh", "Bùi Văn Hùng", "Đỗ Thị Hoa", "Hà Văn Nam"]


def _bands(table: Sequence[tuple[Any, float]]) -> list[tuple[float, float, Any]]:
    """[(lo, hi, value)] splitting [0, 1) by weight: a uniform draw picks a value."""
    total = sum(w for _v, w in table)
    bands, lo = [], 0.0
    for value, weight in table:
        hi = lo + weight / total
        bands.append((lo, hi, value))
        lo = hi
    bands[-1] = (bands[-1][0], 1.0000001, bands[-1][2])
    return bands


def _values(rows: list[tuple[Any, ...]]) -> tuple[str, list[Any]]:
    """A VALUES list with placeholders, and its parameters."""
    sql = ", ".join("(" + ", ".join(["%s"] * len(row)) + ")" for row in rows)
    return sql, [v for row in rows for v in row]


def _insert_select(model: Any, expressions: dict[str, str], source: str,
                   params: list[Any]) -> int:
    """INSERT INTO ``model``'s table SELECT ``expressions`` FROM ``source``; a column the
    generator does not name gets its model field's default, so a field added later does
    not break the benchmark."""
    from django.db import connection
    from psycopg.types.json import Jsonb

    columns, selects, defaults = [], [], []  # type: list[str], list[str], list[Any]
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(connection.ops.quote_name(f.column))
        if f.attname in expressions:
            selects.append(expressions[f.attname])
        else:
            value = f.get_default()
            selects.append("%s")
            defaults.append(Jsonb(value) if f.get_internal_type() == "JSONField" else value)
    # Only our own table, column and SQL text is interpolated; values are parameters.
    sql = (f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
           f"SELECT {', '.join(selects)} FROM {source}")
    with connection.cursor() as cursor:
        # The SELECT list (the defaults) comes before the FROM source in the statement.
        cursor.execute(sql, [*defaults, *params])
        return int(cursor.rowcount)


def _dossier_source(fixture: Fixture, *, start: int, stop: int, open_every: int,
                    open_count: int, now: dt.datetime) -> tuple[str, list[Any]]:
    """One row per ``g`` in [start, stop) with every value of a dossier drawn: every
    ``open_every``-th one still open (submitted in the last six weeks, so some are late),
    the others closed over two years (about one in ten resolved late)."""
    weights = [(p, 30 if p.code == "1.001193" else 25 if p.code.startswith("2.0008") else 4)
               for p in fixture.procedures]
    procedures = []
    for lo, hi, procedure in _bands(weights):
        version = procedure.versions.all()[0]
        department = fixture.departments[procedure.department_kind]
        procedures.append((lo, hi, procedure.pk, version.pk, department.pk,
                           _fee(version.fee)))
    states = [(lo, hi, s, True) for lo, hi, s in _bands(OPEN_STATES)] + [
        (lo, hi, s, False) for lo, hi, s in _bands(CLOSED_STATES)]
    staff = [(d, list(users)) for d, users in fixture.specialists.items()]
    proc_sql, proc_params = _values(procedures)
    state_sql, state_params = _values(states)
    staff_sql, staff_params = _values(staff)
    draws = ", ".join(f"random() AS r{i}" for i in range(10))
    # Interpolated: integers and this module's constants; the rest are parameters.
    sql = f"""(
      SELECT s.*, st.status, d.specialists,
             CASE WHEN st.status = 'submitted' OR (st.status = 'refused' AND s.r3 < 0.5)
                  THEN NULL ELSE s.submitted + s.r4 * interval '240 minutes' END AS received
      FROM (
        SELECT b.*, pr.procedure_id, pr.version_id, pr.department_id, pr.fee,
               %s::timestamptz - (CASE WHEN b.is_open THEN b.r1 * 42 ELSE 1 + b.r1 * 729 END)
                   * interval '1 day' AS submitted,
               (ARRAY{list(SPAN_HOURS)})[1 + floor(b.r5 * {len(SPAN_HOURS)})::int]
                   * interval '1 hour' AS span
        FROM (SELECT g, (mod(g, {open_every}) = 0 AND g / {open_every} < {open_count})
                        AS is_open, {draws}
              FROM generate_series({start}, {stop - 1}) AS g) AS b
        JOIN (VALUES {proc_sql}) AS pr(lo, hi, procedure_id, version_id, department_id, fee)
          ON b.r0 >= pr.lo AND b.r0 < pr.hi
      ) AS s
      JOIN (VALUES {state_sql}) AS st(lo, hi, status, is_open)
        ON st.is_open = s.is_open AND s.r2 >= st.lo AND s.r2 < st.hi
      JOIN (VALUES {staff_sql}) AS d(department_id, specialists)
        ON d.department_id = s.department_id
    ) AS t"""  # noqa: S608
    return sql, [now, *proc_params, *state_params, *staff_params]


def _fee(rule: dict[str, Any]) -> int:
    kind = rule.get("kind", "free")
    if kind == "fixed":
        return int(rule.get("amount", 0))
    if kind == "per_page":  # two pages, one copy
        return 2 * int(rule.get("first_page_price", 2000))
    return 0


def _dossier_expressions(fixture: Fixture, now: dt.datetime) -> dict[str, str]:
    names = "ARRAY[" + ", ".join("'" + n + "'" for n in NAMES) + "]"
    resolved = ("CASE WHEN t.status IN ('signed', 'result_ready', 'returned') THEN "
                "LEAST(t.received + t.span * (0.1 + t.r6 * 1.05), "
                f"'{now.isoformat()}'::timestamptz - interval '5 minutes') END")
    returned = (f"CASE WHEN t.status = 'returned' THEN LEAST(({resolved}) "
                f"+ t.r7 * interval '72 hours', '{now.isoformat()}'::timestamptz "
                "- interval '1 minute') END")
    closed = (f"CASE WHEN t.status = 'returned' THEN {returned} "
              "WHEN t.status IN ('refused', 'withdrawn', 'stopped') THEN "
              "COALESCE(t.received, t.submitted) + t.span * t.r7 * 0.9 END")
    paused = ("CASE WHEN t.status = 'supplement' THEN LEAST(t.received + t.span * t.r6 * 0.8,"
              f" '{now.isoformat()}'::timestamptz - interval '1 minute') END")
    handled = "t.status IN (" + ", ".join(f"'{s}'" for s in HANDLED) + ")"
    name = f"({names})[1 + floor(t.r8 * {len(NAMES)})::int]"
    return {
        "public_id": "md5('langso-bench-' || t.g)::uuid",
        "commune_id": str(fixture.commune.pk), "procedure_id": "t.procedure_id",
        "version_id": "t.version_id",
        "code": (f"'{BENCH_COMMUNE_CODE}-' || to_char(t.submitted AT TIME ZONE "
                 "'Asia/Ho_Chi_Minh', 'YYMMDD') || '-B' || lpad(t.g::text, 7, '0')"),
        # 'O' and '0' are not in the services' alphabet: never a real lookup code.
        "lookup_code": "'O' || lpad(t.g::text, 7, '0')",
        "channel": ("CASE WHEN t.r3 < 0.55 THEN 'online' WHEN t.r3 < 0.95 THEN 'counter' "
                    "ELSE 'post' END"),
        "status": "t.status", "applicant_name": name,
        "applicant_id_number": "'0011' || lpad(floor(t.r9 * 1e8)::bigint::text, 8, '0')",
        "applicant_phone": "'09' || lpad(floor(t.r9 * 1e8)::bigint::text, 8, '0')",
        "applicant_address": "'Thôn Đồng Bả, xã Tam Đảo, tỉnh Phú Thọ'",
        "form_data": (f"jsonb_build_object('applicant_name', {name}, 'child_name', {name}, "
                      "'copies', 1, 'document_name', 'Giấy khai sinh', 'pages', 2)"),
        "sets": "1", "submitted_at": "t.submitted", "received_at": "t.received",
        "received_by_id": f"CASE WHEN t.received IS NOT NULL THEN {fixture.officer.pk} END",
        "due_at": "t.received + t.span", "original_due_at": "t.received + t.span",
        "paused_at": paused,
        "remaining_at_pause": (f"CASE WHEN t.status = 'supplement' THEN GREATEST("
                               f"t.received + t.span - ({paused}), interval '30 minutes') END"),
        "resolved_at": resolved, "returned_at": returned, "closed_at": closed,
        "department_id": f"CASE WHEN {handled} THEN t.department_id END",
        "assignee_id": (f"CASE WHEN {handled} THEN t.specialists[1 + floor(t.r9 * "
                        "array_length(t.specialists, 1))::int] END"),
        "signed_by_id": (f"CASE WHEN t.status IN ('signed', 'result_ready', 'returned') "
                         f"THEN {fixture.chairman.pk} END"),
        "fee_amount": "t.fee",
        "payment_status": ("CASE WHEN t.fee = 0 THEN 'not_required' WHEN t.status = "
                           "'returned' OR t.r9 < 0.6 THEN 'paid' ELSE 'unpaid' END"),
        "book_year": ("CASE WHEN t.received IS NULL THEN 0 ELSE extract(year FROM "
                      "t.received AT TIME ZONE 'Asia/Ho_Chi_Minh')::int END"),
        "book_number": "CASE WHEN t.received IS NULL THEN 0 ELSE t.g + 1 END",
        "updated_at": f"COALESCE(({closed}), '{now.isoformat()}'::timestamptz)",
    }


@contextlib.contextmanager
def bare_table(table: str) -> Iterator[None]:
    """Load ``table`` without its secondary indexes, unique, check and foreign-key
    constraints, then put them back exactly as they were (``pg_get_indexdef`` /
    ``pg_get_constraintdef``): one sort per index instead of a million random insertions,
    and one join per foreign key instead of a trigger per row."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = %s::regclass AND contype IN ('u', 'f', 'c')",
                       [table])
        constraints = cursor.fetchall()
        cursor.execute("SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                       "JOIN pg_class i ON i.oid = x.indexrelid "
                       "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
                       "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                       "                WHERE c.conindid = x.indexrelid)", [table])
        indexes = cursor.fetchall()
        quote = connection.ops.quote_name
        for name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} "
                           f"{definition}")


def dataset_make(url: str, *, dossiers: int, open_count: int, wanted: str) -> dict[str, Any]:
    """Drop, migrate and fill the kept database; PostgreSQL draws every row itself
    (INSERT … SELECT over generate_series), which is what makes a million rows quick."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from langso.onestop.models import Dossier, Payment

    started = time.monotonic()
    dataset_recreate(url)
    call_command("migrate", "--no-input", verbosity=0)
    call_command("createcachetable")
    _fixture_create()
    fixture = Fixture()
    now = timezone.now()
    open_every = max(1, dossiers // max(open_count, 1))
    expressions = _dossier_expressions(fixture, now)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [SEED / 10**8])
    made = 0
    with bare_table(Dossier._meta.db_table):
        for start in range(0, dossiers, 100_000):
            source, params = _dossier_source(fixture, start=start,
                                             stop=min(start + 100_000, dossiers),
                                             open_every=open_every, open_count=open_count,
                                             now=now)
            made += _insert_select(Dossier, expressions, source, params)
            print(f"    {made:,} dossiers ({time.monotonic() - started:.0f} s)",
                  file=sys.stderr, flush=True)
        print("    indexes and constraints …", file=sys.stderr, flush=True)
    payments = _insert_select(Payment, {
        "dossier_id": "d.id", "amount": "d.fee_amount",
        "method": "CASE WHEN mod(d.id, 10) < 7 THEN 'vietqr' ELSE 'cash' END",
        "reference": "NULL", "confirmed_by_id": str(fixture.officer.pk),
        "confirmed_at": ("COALESCE(d.received_at, d.submitted_at) + mod(d.id, 90) "
                         "* interval '1 minute' + interval '1 minute'"),
        "receipt_number": "'B' || lpad(d.id::text, 9, '0')",
    }, "onestop_dossier AS d WHERE d.payment_status = 'paid'", [])
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Dossier._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {Payment._meta.db_table}")
        cursor.execute("CREATE TABLE bench_dataset (key text PRIMARY KEY, value text)")
        cursor.execute("INSERT INTO bench_dataset VALUES ('fingerprint', %s), ('made_at', %s)",
                       [wanted, now.isoformat()])
    return {"made": True, "dossiers": made, "payments": payments,
            "seconds": round(time.monotonic() - started, 1)}

# --- measure ------------------------------------------------------------------------------

def _worklist(fixture: Fixture, n: int) -> dict[str, Any]:
    from django.test import Client

    from langso.core.models import User
    from langso.onestop import worklist
    from langso.testing.auth import login_verified

    specialist = User.objects.get(pk=fixture.specialists[
        fixture.departments["tu_phap_ho_tich"].pk][0])
    result: dict[str, Any] = {}
    for label, user in (("one_stop_officer", fixture.officer), ("specialist", specialist)):
        def selector(user: Any = user) -> None:
            _page, rows = worklist.worklist_page(user=user, page=1)
            assert len(rows) == worklist.WORKLIST_PAGE_SIZE

        client = Client()
        login_verified(client, user)

        def view(client: Client = client) -> None:
            response = client.get("/can-bo/mot-cua/")
            assert response.status_code == 200, response.status_code

        def mine(client: Client = client) -> None:
            response = client.get("/can-bo/mot-cua/?mine=1")
            assert response.status_code == 200, response.status_code

        # The page counts at most WORKLIST_COUNT_CAP rows; the table wants the exact number.
        result[label] = {"visible_open": worklist.worklist_queryset(user=user).count(),
                         "selector_ms": timed(selector, n), "page_ms": timed(view, n)}
        if label == "specialist":
            result[label]["mine_page_ms"] = timed(mine, n)
    return result


def _statistics(fixture: Fixture, n: int) -> dict[str, Any]:
    from django.utils import timezone

    from langso.onestop import statistics as report

    now = timezone.now()
    month = report.previous_month(now)
    current = report.current_month(now)
    year = report.year_period(now.year)
    out: dict[str, Any] = {}
    for label, period in (("previous_month", month), ("current_month", current),
                          ("year", year)):
        found = report.dossier_statistics(commune=fixture.commune, period=period, now=now)
        def run(period: Any = period) -> None:
            report.dossier_statistics(commune=fixture.commune, period=period, now=now)

        out[label] = {"period": period.label, "handled": found.total.handled,
                      "received": found.total.received, "resolved": found.total.resolved,
                      "ms": timed(run, n if label != "year" else max(3, n // 3), warmup=1)}
    return out


def _pdfs(fixture: Fixture, n: int) -> dict[str, Any]:
    from django.utils import timezone

    from langso.onestop.documents import render_form
    from langso.onestop.models import DocumentForm, Dossier
    from langso.signing.pdf import sign_pdf, verify_pdf

    # Received dossiers with a fee still owed: the receipt carries the VietQR code too.
    dossiers = list(Dossier.objects.filter(status="received", fee_amount__gt=0,
                                           payment_status="unpaid")
                    .select_related("commune", "version", "procedure")[:n])
    if len(dossiers) < n:
        dossiers += list(Dossier.objects.filter(status="received")
                         .select_related("commune", "version", "procedure")[:n - len(dossiers)])
    now = timezone.now()
    rendered: list[bytes] = []
    render_ms, sign_ms, both_ms = [], [], []
    # Fonts, templates and the signing key loaded once, as in a running worker.
    sign_pdf(render_form(dossier=dossiers[0], form=DocumentForm.RECEIPT,
                         actor=fixture.officer, now=now),
             commune=fixture.commune, reason="warm-up")
    for dossier in dossiers:
        t0 = time.perf_counter()
        pdf = render_form(dossier=dossier, form=DocumentForm.RECEIPT, actor=fixture.officer,
                          now=now)
        t1 = time.perf_counter()
        signed = sign_pdf(pdf, commune=fixture.commune, reason=f"Mẫu 01 – hồ sơ {dossier.code}",
                          signer_name=str(fixture.officer))
        t2 = time.perf_counter()
        render_ms.append((t1 - t0) * 1000)
        sign_ms.append((t2 - t1) * 1000)
        both_ms.append((t2 - t0) * 1000)
        rendered.append(signed)
    check = verify_pdf(rendered[-1])
    if not check.valid:
        raise SystemExit(f"the signed receipt does not verify: {check.message}")
    return {"documents": len(rendered), "render_ms": percentiles(render_ms),
            "sign_ms": percentiles(sign_ms), "render_and_sign_ms": percentiles(both_ms),
            "bytes_mean": round(statistics.fmean(len(p) for p in rendered)),
            "verified": True}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    bench_url = os.environ.get("BENCH_DATABASE_URL",
                               "postgres://postgres@127.0.0.1:5432/langso_bench")
    url = args.database or dataset_url(bench_url)
    wanted = fingerprint(args.dossiers, args.open)
    reuse = dataset_is_current(url, wanted)
    _configure_django(url)
    from django.db import connection

    from langso.onestop.models import Dossier
    from langso.onestop.workflow import OPEN_STATES as OPEN

    if reuse:
        why = schema_current(args.dossiers)
        if why:
            print(f"  one-stop data set in {_db_name(url)} cannot be reused: {why}",
                  file=sys.stderr, flush=True)
            reuse = False
    if reuse:
        print(f"  one-stop data set in {_db_name(url)} is current: reused", file=sys.stderr,
              flush=True)
        made = {"made": False}
    else:
        print(f"  one-stop data set: making {args.dossiers:,} dossiers in {_db_name(url)} "
              "(kept for the next runs) …", file=sys.stderr, flush=True)
        made = dataset_make(url, dossiers=args.dossiers, open_count=args.open, wanted=wanted)
    fixture = Fixture()
    counts = {"dossiers": Dossier.objects.count(),
              "open": Dossier.objects.filter(status__in=OPEN).count()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('onestop_dossier'))")
        counts["table_size"] = cursor.fetchone()[0]
    print("  worklist …", file=sys.stderr, flush=True)
    worklist_result = _worklist(fixture, args.requests)
    print("  statistics …", file=sys.stderr, flush=True)
    statistics_result = _statistics(fixture, args.statistics_runs)
    print("  PDF receipts …", file=sys.stderr, flush=True)
    pdf_result = _pdfs(fixture, args.pdfs)
    return {"database": _db_name(url), "dataset": {**counts, **made},
            "settings": {"requests": args.requests, "statistics_runs": args.statistics_runs,
                         "pdfs": args.pdfs},
            "worklist": worklist_result, "statistics": statistics_result, "pdf": pdf_result,
            "targets": TARGETS}


# --- report -------------------------------------------------------------------------------

def _ok(value: float, limit: float, *, higher_is_better: bool = False) -> str:
    good = value >= limit if higher_is_better else value <= limit
    return "meets" if good else "MISSES"


def markdown(results: dict[str, Any], status: dict[str, Any] | None) -> str:
    """The one-stop part of the results section of docs/benchmarks.md."""
    lines = ["### One-stop shop", ""]
    if status:
        lines += [
            f"Public status page `{status['url']}` (a dossier in processing with "
            f"{status['steps']} milestones): {status['requests_per_second']:,.0f} req/s, "
            f"p50 {status['latency_us']['p50'] / 1000:.1f} ms, "
            f"p99 {status['latency_us']['p99'] / 1000:.1f} ms — **{status['ratio']:.2f} of "
            f"the framework floor** (target ≥ {TARGETS['status_vs_floor']}: "
            f"{_ok(status['ratio'], TARGETS['status_vs_floor'], higher_is_better=True)}); "
            f"{status['response_bytes']:,} B {status['encoding']}. These are kept pages "
            "(docs/decisions/0003-status-page-cache.md)."]
        if status.get("unkept_rps"):
            lines += [
                f"The same page rendered on every request (a first view: middleware, two "
                f"queries, template): {status['unkept_rps']:,.0f} req/s, "
                f"{status['unkept_ratio']:.2f} of the floor."]
        lines += [""]
    if not results:
        return "\n".join([*lines, "Data benchmarks not run."])
    data = results["dataset"]
    made = (f"made in {data['seconds']:.0f} s" if data.get("made") else
            "reused from an earlier run")
    lines += [
        f"Data: {data['dossiers']:,} dossiers ({data['open']:,} open) in one commune, "
        f"{data['table_size']} on disk, PostgreSQL database `{results['database']}` "
        f"({made}). Times are in-process (no HTTP), "
        f"{results['settings']['requests']} requests each after 3 warm-up ones.", "",
        "| measure | who | rows visible | p50 | p95 | target |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for who, item in results["worklist"].items():
        for key, label in (("selector_ms", "worklist selector (page 1 of 50 rows)"),
                           ("page_ms", "worklist page `/can-bo/mot-cua/` (whole view)"),
                           ("mine_page_ms", "worklist page, \"mine\" filter")):
            if key not in item:
                continue
            timing = item[key]
            verdict = (f"p95 ≤ {TARGETS['worklist_p95_ms']:.0f} ms: "
                       f"{_ok(timing['p95'], TARGETS['worklist_p95_ms'])}"
                       if key == "page_ms" else "")
            lines.append(f"| {label} | {who.replace('_', ' ')} | {item['visible_open']:,} | "
                         f"{timing['p50']:.1f} ms | {timing['p95']:.1f} ms | {verdict} |")
    for label, item in results["statistics"].items():
        timing = item["ms"]
        verdict = (f"≤ {TARGETS['statistics_s']:.0f} s: "
                   f"{_ok(timing['p95'] / 1000, TARGETS['statistics_s'])}"
                   if label == "previous_month" else "")
        lines.append(f"| statistics, {item['period']} ({item['handled']:,} dossiers handled) "
                     f"| commune | {data['dossiers']:,} | {timing['p50']:.0f} ms | "
                     f"{timing['p95']:.0f} ms | {verdict} |")
    pdf = results["pdf"]
    lines += [
        "",
        f"Form 01 receipt ({pdf['documents']} documents, with the status QR and, where a fee "
        f"is owed, the VietQR code; {pdf['bytes_mean']:,} B each once signed; the last one "
        "verified with `langso.signing.verify_pdf`):", "",
        "| step | mean | p50 | p95 |", "| --- | ---: | ---: | ---: |",
    ]
    for key, label in (("render_ms", "render (WeasyPrint)"), ("sign_ms", "sign (pyHanko, PAdES)"),
                       ("render_and_sign_ms", "both")):
        timing = pdf[key]
        lines.append(f"| {label} | {timing['mean']:.0f} ms | {timing['p50']:.0f} ms | "
                     f"{timing['p95']:.0f} ms |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status-dossier")
    run = sub.add_parser("measure")
    run.add_argument("--dossiers", type=int, default=1_000_000)
    run.add_argument("--open", type=int, default=100_000)
    run.add_argument("--requests", type=int, default=100)
    run.add_argument("--statistics-runs", type=int, default=10)
    run.add_argument("--pdfs", type=int, default=30)
    run.add_argument("--database", help="PostgreSQL URL of the kept data set")
    args = parser.parse_args()
    if args.command == "status-dossier":
        emit(status_dossier())
    else:
        emit(measure(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
