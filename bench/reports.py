"""Field-report benchmarks of `make bench` (issue 4): sending a report with three phone
photos, the public map data by bounding box, the nearby-duplicate query, the public list
page's bytes.

``python bench/reports.py measure`` (run by ``bench/run.py`` in a subprocess with the
benchmark's environment; prints one ``BENCH_JSON`` line) works in a PostgreSQL database of
its own (``<bench database>_reports``, kept between runs) holding ``--reports`` reports in
one commune, made once with INSERT … SELECT over generate_series and recorded with a
fingerprint (sizes, this generator's version) like bench/onestop.py's data set. It times,
in-process through Django's test client and every middleware:

* ``POST /xa/<slug>/phan-anh/gui/`` with three 4 MB JPEGs (4000×3000, noise-textured, one
  with a GPS position), p50/p95 over ``--submits``: the request body is built once before
  the clock starts, so the time is the server's (parsing the upload, storing three files,
  recording the report), not the transfer; the photos are re-encoded afterwards by the task
  ``report_media_process``, timed separately per photo;
* ``GET /xa/<slug>/phan-anh/ban-do.json?bbox=…`` for street-, village- and commune-sized
  boxes (a third with a status or category filter);
* ``selectors.nearby_open_reports`` at random points (the commune's radius);
* the public list ``/xa/<slug>/phan-anh/``: compressed bytes of the HTML and of the CSS/JS
  it references (``Accept-Encoding: br, gzip``), and its time.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.onestop import (  # noqa: E402 - needs ROOT on the path; stdlib only at import
    _admin,
    _configure_django,
    _db_name,
    _insert_select,
    bare_table,
    dataset_recreate,
    emit,
    percentiles,
    timed,
)

# Bump when the generated rows change shape: the kept data set is then made again.
GENERATOR_VERSION = 1
SEED = 20261124
COMMUNE_CODE = 8911
SLUG = "tam-dao"
TARGETS = {"submit_p95_ms": 300.0, "map_p95_ms": 100.0, "nearby_p95_ms": 50.0,
           "list_bytes": 30 * 1024}
PHOTO_BYTES = 4 * 1024 * 1024
PHOTO_SIZE = (4000, 3000)
# The commune's villages: (name, latitude, longitude) — around Tam Đảo, Phú Thọ.
VILLAGES = [("Tổ dân phố 1", 21.4575, 105.6440), ("Tổ dân phố 2", 21.4620, 105.6395),
            ("Đồng Bả", 21.4480, 105.6520), ("Làng Hà", 21.4700, 105.6300),
            ("Sơn Đình", 21.4390, 105.6350), ("Hợp Châu", 21.4300, 105.6600)]
BOX = (21.38, 105.57, 21.53, 105.72)  # south, west, north, east of the commune
# Resting states and their shares (about one in ten still open, as in a year's data).
STATES = [("new", 3), ("triaged", 2), ("in_progress", 3), ("answer_drafted", 1),
          ("reopened", 1), ("resolved", 6), ("closed", 79), ("rejected", 5)]
CATEGORY_WEIGHTS = {"duong-giao-thong": 22, "chieu-sang": 14, "rac-thai-moi-truong": 18,
                    "thoat-nuoc-ngap-ung": 12, "tieng-on-trat-tu": 9, "trat-tu-xay-dung": 8,
                    "cap-nuoc": 6, "cay-xanh": 5, "vat-nuoi-dich-benh": 3, "khac": 3}
NAMES = ["Nguyễn Văn Hùng", "Trần Thị Mai", "Lê Văn Thắng", "Phạm Thị Hoa", "Đỗ Văn Long",
         "Hoàng Thị Yến", "Vũ Minh Đức", "Bùi Thu Trang"]


# --- the kept data set --------------------------------------------------------------------

def dataset_url(bench_url: str) -> str:
    explicit = os.environ.get("BENCH_REPORTS_DATABASE_URL")
    if explicit:
        return explicit
    parts = urlsplit(bench_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_reports"))


def fingerprint(reports: int) -> str:
    return hashlib.sha256(f"v{GENERATOR_VERSION}:{reports}:{SEED}".encode()).hexdigest()


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


def schema_current(reports: int) -> str | None:
    """After ``migrate`` on the kept database: None if its rows can be reused, else why not.
    Reports sent by earlier runs' submit benchmark are numbered above ``reports``."""
    from django.core.management import call_command
    from django.db import connection

    from langso.reports.models import Report

    try:
        call_command("migrate", "--no-input", verbosity=0)
        call_command("createcachetable")
    except Exception as exc:  # e.g. squashed or renumbered migrations: remake
        return f"migrate failed ({type(exc).__name__}: {exc})"
    with connection.cursor() as cursor:
        table = Report._meta.db_table
        columns = {str(c.name) for c in connection.introspection.get_table_description(
            cursor, table)}
        wanted = {str(f.column) for f in Report._meta.concrete_fields}
        if wanted - columns:
            return f"{table} lacks {sorted(wanted - columns)}"
        present = set(connection.introspection.get_constraints(cursor, table))
        declared = {i.name for i in Report._meta.indexes} | {
            c.name for c in Report._meta.constraints}
        if declared - present:
            return f"{table} lacks {sorted(declared - present)}"
    kept = Report.objects.filter(commune__code=COMMUNE_CODE, number__lte=reports).count()
    if kept != reports:
        return "a different number of reports"
    if Report.objects.count() > reports + 20_000:
        return "too many reports sent by earlier runs"
    return None


def _fixture_create() -> None:
    """The commune, its departments, villages, default categories and map box."""
    from langso.core.models import Commune, Department, Province, Village
    from langso.reports.defaults import default_categories
    from langso.reports.services import settings_for

    province = Province.objects.create(code=25, name="Tỉnh Phú Thọ", codename="phu_tho",
                                       division_type="tỉnh")
    commune = Commune.objects.create(code=COMMUNE_CODE, province=province, name="Xã Tam Đảo",
                                     codename="tam_dao", slug=SLUG, division_type="xã",
                                     is_active=True)
    for kind, label in Department.Kind.choices:
        Department.objects.create(commune=commune, kind=kind, name=str(label))
    for name, _lat, _lng in VILLAGES:
        village = Village(commune=commune, name=name,
                          kind="to_dan_pho" if name.startswith("Tổ") else "thon")
        village.refresh_keys()
        village.save()
    default_categories(commune)
    from decimal import Decimal

    rs = settings_for(commune)
    rs.south, rs.west, rs.north, rs.east = (Decimal(str(v)) for v in BOX)
    rs.save()


def _values(rows: list[tuple[Any, ...]]) -> tuple[str, list[Any]]:
    sql = ", ".join("(" + ", ".join(["%s"] * len(row)) + ")" for row in rows)
    return sql, [v for row in rows for v in row]


def _bands(table: list[tuple[Any, float]]) -> list[tuple[float, float, Any]]:
    total = sum(w for _v, w in table)
    bands, lo = [], 0.0
    for value, weight in table:
        bands.append((lo, lo + weight / total, value))
        lo += weight / total
    bands[-1] = (bands[-1][0], 1.0000001, bands[-1][2])
    return bands


def dataset_make(url: str, *, reports: int, wanted: str) -> dict[str, Any]:
    """Drop, migrate and fill the kept database; PostgreSQL draws every row itself."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from langso.core.models import Commune, Village
    from langso.reports.classifier import seed_examples
    from langso.reports.models import Category, Report, ReportCounter

    started = time.monotonic()
    dataset_recreate(url)
    call_command("migrate", "--no-input", verbosity=0)
    call_command("createcachetable")
    _fixture_create()
    commune = Commune.objects.get(code=COMMUNE_CODE)
    now = timezone.now()
    seed = seed_examples()
    categories = [(lo, hi, c.pk, c.department_id, list(seed[c.code]))
                  for lo, hi, c in _bands([(c, CATEGORY_WEIGHTS[c.code]) for c in
                                           Category.objects.filter(commune=commune)
                                           .order_by("position")])]
    villages = {v.name: v.pk for v in Village.objects.filter(commune=commune)}
    places = [(i / len(VILLAGES), (i + 1) / len(VILLAGES) + (1e-7 if i == len(VILLAGES) - 1
                                                            else 0), villages[name], lat, lng)
              for i, (name, lat, lng) in enumerate(VILLAGES)]
    states = _bands(STATES)
    cat_sql, cat_params = _values(categories)
    cat_sql = cat_sql.replace("%s)", "%s::text[])")  # the texts: an array, not one text
    place_sql, place_params = _values(places)
    state_sql, state_params = _values(states)
    draws = ", ".join(f"random() AS r{i}" for i in range(12))
    open_states = "('new', 'triaged', 'in_progress', 'answer_drafted', 'reopened')"
    # Interpolated: integers and this module's constants; the rest are parameters.
    source = f"""(
      SELECT b.*, c.category_id, c.department_id, c.texts, p.village_id, p.lat, p.lng,
             s.status,
             %s::timestamptz - (CASE WHEN s.status IN {open_states} THEN b.r3 * 40
                                     ELSE 2 + b.r3 * 1093 END) * interval '1 day'
                 AS created
      FROM (SELECT g, {draws} FROM generate_series(1, {reports}) AS g) AS b
      JOIN (VALUES {cat_sql}) AS c(lo, hi, category_id, department_id, texts)
        ON b.r0 >= c.lo AND b.r0 < c.hi
      JOIN (VALUES {place_sql}) AS p(lo, hi, village_id, lat, lng)
        ON b.r1 >= p.lo AND b.r1 < p.hi
      JOIN (VALUES {state_sql}) AS s(lo, hi, status)
        ON b.r2 >= s.lo AND b.r2 < s.hi
    ) AS t"""  # noqa: S608
    triaged = "t.status NOT IN ('new', 'rejected')"
    answered = "t.status IN ('resolved', 'closed', 'reopened')"
    names = "ARRAY[" + ", ".join(f"'{n}'" for n in NAMES) + "]"
    expressions = {
        "commune_id": str(commune.pk), "number": "t.g", "category_id": "t.category_id",
        "description": "t.texts[1 + floor(t.r4 * array_length(t.texts, 1))::int]",
        # Around the village: two uniform draws make a peak at its centre, ±1.5 km.
        "latitude": "round((t.lat + (t.r5 + t.r6 - 1) * 0.014)::numeric, 6)",
        "longitude": "round((t.lng + (t.r7 + t.r8 - 1) * 0.014)::numeric, 6)",
        "location_source": "'map'", "village_id": "t.village_id",
        "address": "'Ngõ ' || (1 + floor(t.r9 * 30)::int)",
        "status": "t.status",
        "severity": f"CASE WHEN {triaged} THEN CASE WHEN t.r10 < 0.1 THEN 'urgent' "
                    "ELSE 'normal' END ELSE '' END",
        "department_id": f"CASE WHEN {triaged} THEN t.department_id END",
        "reporter_name": f"({names})[1 + floor(t.r11 * {len(NAMES)})::int]",
        "reporter_phone": "'09' || lpad(floor(t.r11 * 1e8)::bigint::text, 8, '0')",
        "confidential": "t.r9 < 0.05",
        "source": "CASE WHEN t.r10 < 0.6 THEN 'web' ELSE 'app' END",
        "reject_reason": ("CASE WHEN t.status = 'rejected' THEN (ARRAY['not_responsible', "
                          "'duplicate', 'spam', 'insufficient'])[1 + floor(t.r9 * 4)::int] "
                          "ELSE '' END"),
        "status_note": "CASE WHEN t.status = 'rejected' THEN 'Không thuộc phạm vi xử lý.' "
                       "ELSE '' END",
        "answer_text": (f"CASE WHEN {answered} THEN 'Ủy ban nhân dân xã đã kiểm tra hiện "
                        "trường và khắc phục xong. Cảm ơn bạn đã phản ánh.' ELSE '' END"),
        "answered_at": f"CASE WHEN {answered} THEN t.created + interval '3 days' END",
        "approved_at": f"CASE WHEN {answered} THEN t.created + interval '3 days 2 hours' END",
        "created_at": "t.created",
        "acknowledge_due_at": "t.created + interval '1 day'",
        "acknowledged_at": f"CASE WHEN {triaged} THEN t.created + interval '5 hours' END",
        "due_at": f"CASE WHEN {triaged} THEN t.created + interval '7 days' END",
        "resolved_at": ("CASE WHEN t.status IN ('resolved', 'closed') THEN t.created "
                        "+ interval '3 days 2 hours' WHEN t.status = 'rejected' THEN "
                        "t.created + interval '4 hours' END"),
        "closed_at": "CASE WHEN t.status = 'closed' THEN t.created + interval '9 days' END",
        "rating": "CASE WHEN t.status = 'closed' AND t.r10 < 0.6 THEN 3 + floor(t.r11 * 3) "
                  "END",
        "hidden": "t.r10 > 0.997",
        "updated_at": "t.created + interval '9 days'",
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [SEED / 10**8])
    with bare_table(Report._meta.db_table):
        made = _insert_select(Report, expressions, source,
                              [now, *cat_params, *place_params, *state_params])
        print(f"    {made:,} reports ({time.monotonic() - started:.0f} s); indexes …",
              file=sys.stderr, flush=True)
    ReportCounter.objects.update_or_create(commune=commune, defaults={"last": reports})
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Report._meta.db_table}")
        cursor.execute("CREATE TABLE bench_dataset (key text PRIMARY KEY, value text)")
        cursor.execute("INSERT INTO bench_dataset VALUES ('fingerprint', %s), ('made_at', %s)",
                       [wanted, now.isoformat()])
    return {"made": True, "reports": made, "seconds": round(time.monotonic() - started, 1)}


# --- the phone photos ---------------------------------------------------------------------

def phone_photo(seed: int, *, gps: bool = False) -> bytes:
    """A 4000×3000 JPEG of about 4 MB, as a phone sends: a smooth scene with sensor-like
    noise (what makes a real photo that big at high quality), optionally with EXIF GPS."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    width, height = PHOTO_SIZE
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    base = np.concatenate([120 + 80 * y + 0 * x, 140 + 60 * x + 0 * y,
                           170 - 90 * y + 20 * x], axis=2)
    noise = rng.standard_normal((height, width, 3), dtype=np.float32)
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (21.0, 27.0, 27.0), 3: "E", 4: (105.0, 38.0, 38.4)}
    low, high, data = 1.0, 40.0, b""
    for _i in range(8):  # the noise level that gives about PHOTO_BYTES
        level = (low + high) / 2
        pixels = np.clip(base + noise * level, 0, 255).astype(np.uint8)
        out = BytesIO()
        Image.fromarray(pixels).save(out, "JPEG", quality=92, exif=exif)
        data = out.getvalue()
        if abs(len(data) - PHOTO_BYTES) < PHOTO_BYTES * 0.04:
            break
        if len(data) > PHOTO_BYTES:
            high = level
        else:
            low = level
    return data


# --- measure ------------------------------------------------------------------------------

BOUNDARY = "LangSoBenchBoundary7MA4YWxkTrZu0gW"


def _multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> bytes:
    out = BytesIO()
    for name, value in fields.items():
        out.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                  f"{value}\r\n".encode())
    for field, filename, data in files:
        out.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; '
                  f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode())
        out.write(data)
        out.write(b"\r\n")
    out.write(f"--{BOUNDARY}--\r\n".encode())
    return out.getvalue()


def _submit(commune: Any, n: int) -> dict[str, Any]:
    from django.conf import settings
    from django.test import Client

    from langso.reports import media
    from langso.reports.models import Category, MediaStatus, Report, ReportMedia

    # Every request comes from one address here; the limiter still runs on each one.
    settings.REPORTS_SUBMIT_RATES = ((10**9, 60),)
    started = time.monotonic()
    photos = [phone_photo(SEED + i, gps=i == 0) for i in range(3)]
    made_in = time.monotonic() - started
    category = Category.objects.get(commune=commune, code="duong-giao-thong")
    village = commune.villages.order_by("pk").first()
    fields = {"category": str(category.pk), "village": str(village.pk if village else ""),
              "description": "Đường ngõ 3 bị sụt lún một mảng lớn sát mép mương, xe máy đi "
                             "qua rất nguy hiểm, đề nghị xã kiểm tra.",
              "latitude": "21.459200", "longitude": "105.645100", "location_source": "map",
              "address": "Ngõ 3", "reporter_name": "Nguyễn Văn Hùng",
              "reporter_phone": "0987654321", "confirmed": "on"}
    body = _multipart(fields, [("photos", f"IMG_2026112{i}_0815.jpg", p)
                               for i, p in enumerate(photos)])
    client = Client()
    path = f"/xa/{commune.slug}/phan-anh/gui/"
    before = Report.objects.filter(commune=commune).count()

    def send() -> None:
        response = client.post(path, data=body,
                               content_type=f"multipart/form-data; boundary={BOUNDARY}",
                               HTTP_ACCEPT_ENCODING="br, gzip")
        if response.status_code not in (200, 201):
            raise SystemExit(f"submit answered {response.status_code}: "
                             f"{response.content[:500]!r}")

    timing = timed(send, n, warmup=2)
    created = Report.objects.filter(commune=commune).count() - before
    if created != n + 2:
        raise SystemExit(f"submit: {created} reports made for {n + 2} requests")
    newest = Report.objects.filter(commune=commune).order_by("-pk").first()
    pending = list(ReportMedia.objects.filter(report=newest, status=MediaStatus.PENDING))
    process_ms, background_error = [], ""
    for item in pending:  # the background step of one photo, as the worker runs it
        t0 = time.perf_counter()
        try:
            media.media_process(media_id=item.pk)
        except Exception as exc:  # reported with the results, not hidden
            background_error = f"{type(exc).__name__}: {exc}"
            break
        process_ms.append((time.perf_counter() - t0) * 1000)
    ready = ReportMedia.objects.filter(report=newest, status=MediaStatus.READY).count()
    return {"requests": n, "photos": len(photos), "photo_bytes": [len(p) for p in photos],
            "body_bytes": len(body), "photos_made_s": round(made_in, 1),
            "ms": timing, "pending_after_request": len(pending),
            "background_photo_ms": percentiles(process_ms) if process_ms else None,
            "background_error": background_error,
            "processed_ready": ready}


def _boxes(rng: random.Random, size: float, n: int) -> list[tuple[float, float, float, float]]:
    south, west, north, east = BOX
    boxes = []
    for _i in range(n):
        _name, lat, lng = rng.choice(VILLAGES)
        lat += rng.uniform(-0.01, 0.01)
        lng += rng.uniform(-0.01, 0.01)
        half = size / 2
        boxes.append((max(west, lng - half), max(south, lat - half),
                      min(east, lng + half), min(north, lat + half)))
    return boxes


def _map(commune: Any, n: int) -> dict[str, Any]:
    from django.test import Client

    from langso.reports.models import Category

    client = Client()
    rng = random.Random(SEED)
    categories = list(Category.objects.filter(commune=commune).values_list("code", flat=True))
    out: dict[str, Any] = {}
    for label, size in (("street", 0.004), ("village", 0.02), ("commune", 0.15)):
        queue = []
        for i, (w, s, e, north) in enumerate(_boxes(rng, size, n + 3)):
            query = f"bbox={w:.6f},{s:.6f},{e:.6f},{north:.6f}"
            if i % 3 == 1:
                query += "&status=" + rng.choice(["waiting", "working", "done"])
            elif i % 3 == 2:
                query += f"&category={rng.choice(categories)}"
            queue.append(query)
        points: list[int] = []

        def get(queue: list[str] = queue, points: list[int] = points) -> None:
            response = client.get(f"/xa/{commune.slug}/phan-anh/ban-do.json?{queue.pop()}")
            if response.status_code != 200:
                raise SystemExit(f"map answered {response.status_code}: "
                                 f"{response.content[:300]!r}")
            points.append(len(json.loads(response.content)["points"]))

        timing = timed(get, n)
        out[label] = {"box_degrees": size, "ms": timing,
                      "points_mean": round(sum(points) / len(points)),
                      "points_max": max(points)}
    return out


def _nearby(commune: Any, n: int) -> dict[str, Any]:
    from decimal import Decimal

    from langso.reports import selectors, services
    from langso.reports.models import Category

    radius = services.settings_for(commune).nearby_radius_m
    rng = random.Random(SEED + 1)
    categories = list(Category.objects.filter(commune=commune))
    found: list[int] = []

    def query() -> None:
        _name, lat, lng = rng.choice(VILLAGES)
        point = (Decimal(f"{lat + rng.uniform(-0.008, 0.008):.6f}"),
                 Decimal(f"{lng + rng.uniform(-0.008, 0.008):.6f}"))
        found.append(len(selectors.nearby_open_reports(commune, rng.choice(categories),
                                                       *point, radius)))

    timing = timed(query, n)
    return {"radius_m": radius, "ms": timing, "found_mean": round(sum(found) / len(found), 1),
            "found_max": max(found)}


def _list_page(commune: Any, n: int) -> dict[str, Any]:
    from django.test import Client

    from bench.run import AssetParser

    client = Client()
    path = f"/xa/{commune.slug}/phan-anh/"
    headers = {"HTTP_ACCEPT_ENCODING": "br, gzip"}
    response = client.get(path, **headers)
    if response.status_code != 200:
        raise SystemExit(f"list page answered {response.status_code}")
    html = response.content
    encoding = response.get("Content-Encoding", "identity")
    raw = html
    if encoding == "gzip":
        import gzip

        raw = gzip.decompress(html)
    parser = AssetParser()
    parser.feed(raw.decode("utf-8", errors="replace"))
    assets = []
    for href in dict.fromkeys(parser.assets):
        if not href.startswith("/"):
            continue
        asset = client.get(href, **headers)
        body = b"".join(asset.streaming_content) if asset.streaming else asset.content
        assets.append({"url": href, "status": asset.status_code, "bytes": len(body),
                       "encoding": asset.get("Content-Encoding", "identity")})

    def get() -> None:
        client.get(path, **headers)

    return {"path": path, "html_bytes": len(html), "html_uncompressed": len(raw),
            "encoding": encoding, "assets": assets,
            "total_bytes": len(html) + sum(a["bytes"] for a in assets), "ms": timed(get, n)}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    bench_url = os.environ.get("BENCH_DATABASE_URL",
                               "postgres://postgres@127.0.0.1:5432/langso_bench")
    url = args.database or dataset_url(bench_url)
    wanted = fingerprint(args.reports)
    reuse = dataset_is_current(url, wanted)
    _configure_django(url)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    # The pages name hashed static files: collected again, a kept copy may predate some.
    call_command("collectstatic", "--no-input", verbosity=0)

    from langso.core.models import Commune
    from langso.reports.models import Report
    from langso.reports.workflow import OPEN_STATES

    if reuse:
        why = schema_current(args.reports)
        if why:
            print(f"  report data set in {_db_name(url)} cannot be reused: {why}",
                  file=sys.stderr, flush=True)
            reuse = False
    if reuse:
        print(f"  report data set in {_db_name(url)} is current: reused", file=sys.stderr,
              flush=True)
        made: dict[str, Any] = {"made": False}
    else:
        print(f"  report data set: making {args.reports:,} reports in {_db_name(url)} "
              "(kept for the next runs) …", file=sys.stderr, flush=True)
        made = dataset_make(url, reports=args.reports, wanted=wanted)
    commune = Commune.objects.get(code=COMMUNE_CODE)
    counts: dict[str, Any] = {
        "reports": Report.objects.filter(commune=commune).count(),
        "open": Report.objects.filter(commune=commune, status__in=OPEN_STATES).count()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('reports_report'))")
        counts["table_size"] = cursor.fetchone()[0]
    media_root = tempfile.mkdtemp(prefix="langso-bench-reports-")
    settings.MEDIA_ROOT = media_root  # the submitted photos: removed at the end
    try:
        print("  map data by bounding box …", file=sys.stderr, flush=True)
        map_result = _map(commune, args.requests)
        print("  nearby reports …", file=sys.stderr, flush=True)
        nearby_result = _nearby(commune, args.requests)
        print("  public list page …", file=sys.stderr, flush=True)
        list_result = _list_page(commune, max(10, args.requests // 5))
        print(f"  sending reports with 3 photos of 4 MB ({args.submits}) …", file=sys.stderr,
              flush=True)
        submit_result = _submit(commune, args.submits)
    finally:
        shutil.rmtree(media_root, ignore_errors=True)
    return {"database": _db_name(url), "dataset": {**counts, **made},
            "settings": {"requests": args.requests, "submits": args.submits},
            "submit": submit_result, "map": map_result, "nearby": nearby_result,
            "list": list_result, "targets": TARGETS}


# --- report -------------------------------------------------------------------------------

def _ok(value: float, limit: float) -> str:
    return "meets" if value <= limit else "MISSES"


def markdown(results: dict[str, Any]) -> str:
    """The field-report part of the results section of docs/benchmarks.md."""
    lines = ["### Field reports", ""]
    if not results:
        return "\n".join([*lines, "Field-report benchmarks not run."])
    data = results["dataset"]
    made = (f"made in {data['seconds']:.0f} s" if data.get("made") else
            "reused from an earlier run")
    submit, targets = results["submit"], results["targets"]
    sizes = ", ".join(f"{b / 2**20:.1f}" for b in submit["photo_bytes"])
    submit_ok = _ok(submit["ms"]["p95"], targets["submit_p95_ms"])
    lines += [
        f"Data: {data['reports']:,} reports ({data['open']:,} open) in one commune, "
        f"{data['table_size']} on disk, PostgreSQL database `{results['database']}` ({made}). "
        "In-process through Django's test client and every middleware (no network).", "",
        "| measure | p50 | p95 | target |", "| --- | ---: | ---: | --- |",
        f"| send a report with 3 photos ({sizes} MB; {submit['requests']} requests; upload "
        f"transfer excluded) | {submit['ms']['p50']:.0f} ms | {submit['ms']['p95']:.0f} ms | "
        f"p95 ≤ {targets['submit_p95_ms']:.0f} ms: {submit_ok} |",
    ]
    if submit.get("background_error"):
        lines.append(f"| then, in the background: re-encode one photo (task) | failed: "
                     f"`{submit['background_error'][:120]}` | | |")
    elif submit.get("background_photo_ms"):
        bg = submit["background_photo_ms"]
        lines.append(f"| then, in the background: re-encode one photo (task) | "
                     f"{bg['p50']:.0f} ms | {bg['p95']:.0f} ms | |")
    for label, item in results["map"].items():
        lines.append(
            f"| map data `ban-do.json`, {label}-sized box ({item['box_degrees']}°, "
            f"{item['points_mean']} points on average) | {item['ms']['p50']:.1f} ms | "
            f"{item['ms']['p95']:.1f} ms | p95 ≤ {targets['map_p95_ms']:.0f} ms: "
            f"{_ok(item['ms']['p95'], targets['map_p95_ms'])} |")
    nearby = results["nearby"]
    nearby_ok = _ok(nearby["ms"]["p95"], targets["nearby_p95_ms"])
    lines.append(
        f"| nearby open reports ({nearby['radius_m']} m, {nearby['found_mean']} found on "
        f"average) | {nearby['ms']['p50']:.1f} ms | {nearby['ms']['p95']:.1f} ms | ≤ "
        f"{targets['nearby_p95_ms']:.0f} ms: {nearby_ok} |")
    page = results["list"]
    assets = sum(a["bytes"] for a in page["assets"])
    lines += [
        f"| public list page `{page['path']}` | {page['ms']['p50']:.1f} ms | "
        f"{page['ms']['p95']:.1f} ms | |", "",
        f"Public list page: HTML {page['html_bytes']:,} B {page['encoding']} "
        f"({page['html_uncompressed']:,} B), CSS + JS {assets:,} B, total "
        f"**{page['total_bytes']:,} B** (without photos; budget {targets['list_bytes']:,} B: "
        f"{_ok(page['total_bytes'], targets['list_bytes'])}).",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("measure")
    run.add_argument("--reports", type=int, default=100_000)
    run.add_argument("--requests", type=int, default=100)
    run.add_argument("--submits", type=int, default=30)
    run.add_argument("--database", help="PostgreSQL URL of the kept data set")
    args = parser.parse_args()
    emit(measure(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
