"""The offline app: the manifest and service worker of a commune's public pages, the token
the outbox fetches before it sends, the JSON contract the outbox relies on, and the
scripts themselves (parsed by Node when it is installed)."""

import io
import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from langso.core.tests import upload_samples
from langso.reports.models import Report, Source
from langso.reports.tests import samples
from langso.reports.tests.conftest import POINT, SUNKEN_LANE

pytestmark = pytest.mark.django_db
SCRIPTS = ["reports/outbox.js", "reports/pwa.js", "reports/report-form.js"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _fresh_limits() -> Any:
    from langso.core import ratelimit

    ratelimit.reset()
    yield
    ratelimit.reset()


def test_the_manifest_makes_the_communes_public_pages_an_app(client, commune):
    response = client.get(f"/xa/{commune.slug}/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["scope"] == f"/xa/{commune.slug}/"
    assert manifest["start_url"] == f"/xa/{commune.slug}/phan-anh/gui/"
    assert manifest["display"] == "standalone" and manifest["lang"] == "vi"
    assert commune.name in manifest["name"]
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}


@pytest.mark.parametrize(("path", "size"), [("reports/icons/icon-192.png", (192, 192)),
                                           ("reports/icons/icon-512.png", (512, 512)),
                                           ("reports/icons/maskable-512.png", (512, 512))])
def test_the_icons_are_pngs_of_their_declared_size(path, size):
    found = finders.find(path)
    assert found, path
    image = Image.open(io.BytesIO(Path(str(found)).read_bytes()))
    assert image.format == "PNG" and image.size == size


def test_the_service_worker_is_served_for_the_communes_pages_only(client, commune):
    response = client.get(f"/xa/{commune.slug}/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    assert response["Service-Worker-Allowed"] == f"/xa/{commune.slug}/"
    body = response.content.decode()
    assert f'const SCOPE = "/xa/{commune.slug}/";' in body
    assert f'const FORM_URL = "/xa/{commune.slug}/phan-anh/gui/";' in body
    assert 'importScripts("/static/reports/outbox.js")' in body
    assert "/can-bo/" not in body and "/tai-khoan/" not in body


def test_the_worker_version_is_stable_until_something_it_keeps_changes(client, commune):
    first = client.get(f"/xa/{commune.slug}/sw.js").content
    again = client.get(f"/xa/{commune.slug}/sw.js").content

    assert first == again


def test_the_outbox_gets_a_fresh_csrf_token_and_sends_with_it(commune, categories):
    client = Client(enforce_csrf_checks=True)
    answer = client.get(f"/xa/{commune.slug}/phan-anh/gui/ma-bao-mat/",
                        HTTP_ACCEPT="application/json")
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    token = answer.json()["csrf"]
    assert client.cookies.get("csrftoken")
    report_token = str(uuid.uuid4())
    form = {"category": categories["road"].pk, "description": SUNKEN_LANE,
            "latitude": POINT[0], "longitude": POINT[1], "location_source": "device",
            "client_token": report_token, "app": "1", "confirmed": "True"}

    sent = client.post(f"/xa/{commune.slug}/phan-anh/gui/", form,
                       HTTP_ACCEPT="application/json", HTTP_X_CSRFTOKEN=token)
    # The answer was lost on the way: the outbox sends the same report again.
    again = client.post(f"/xa/{commune.slug}/phan-anh/gui/", form,
                        HTTP_ACCEPT="application/json", HTTP_X_CSRFTOKEN=token)

    assert sent.status_code == 201 and again.status_code == 200
    assert sent.json()["url"] == again.json()["url"]
    report = Report.objects.get()
    assert report.source == Source.APP and str(report.client_token) == report_token
    assert report.location_source == "device"


def test_a_send_without_the_token_is_refused_for_the_outbox_to_retry(commune, categories):
    client = Client(enforce_csrf_checks=True)

    response = client.post(f"/xa/{commune.slug}/phan-anh/gui/", {
        "category": categories["road"].pk, "description": SUNKEN_LANE,
        "latitude": POINT[0], "longitude": POINT[1]}, HTTP_ACCEPT="application/json")

    assert response.status_code == 403 and Report.objects.count() == 0


@pytest.mark.parametrize("path", ["manifest.webmanifest", "sw.js", "phan-anh/gui/ma-bao-mat/"])
def test_an_inactive_or_unknown_commune_has_no_app(client, commune, path):
    commune.is_active = False
    commune.save(update_fields=["is_active"])

    assert client.get(f"/xa/{commune.slug}/{path}").status_code == 404
    assert client.get(f"/xa/khong-co-xa-nay/{path}").status_code == 404


def test_the_form_page_links_the_manifest_and_the_scripts_with_their_texts(client, commune):
    page = client.get(f"/xa/{commune.slug}/phan-anh/gui/").content.decode()

    assert f'<link rel="manifest" href="/xa/{commune.slug}/manifest.webmanifest">' in page
    assert f'data-worker="/xa/{commune.slug}/sw.js"' in page
    assert f'data-scope="/xa/{commune.slug}/"' in page
    texts = page.split('id="langso-report-texts" type="application/json">')[1]
    texts = json.loads(texts.split("</script>")[0])
    assert texts["waiting"] == "Đang chờ gửi: {n} phản ánh"
    # Scripts run in order: the outbox, the app, then the form that uses both.
    assert (page.index("reports/outbox.js") < page.index("reports/pwa.js")
            < page.index("reports/report-form.js"))


def test_the_texts_follow_the_readers_language(client, commune):
    client.cookies["django_language"] = "en"

    page = client.get(f"/xa/{commune.slug}/phan-anh/gui/",
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()

    texts = page.split('id="langso-report-texts" type="application/json">')[1]
    texts = json.loads(texts.split("</script>")[0])
    assert texts["waiting"] == "Waiting to send: {n} report(s)"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
@pytest.mark.parametrize("path", SCRIPTS)
def test_the_scripts_parse(path, tmp_path):
    found = finders.find(path)
    assert found, path

    result = subprocess.run(["node", "--check", str(found)], capture_output=True, text=True,
                            timeout=60)

    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_rendered_service_worker_parses(client, commune, tmp_path):
    worker = tmp_path / "sw.js"
    worker.write_bytes(client.get(f"/xa/{commune.slug}/sw.js").content)

    result = subprocess.run(["node", "--check", str(worker)], capture_output=True, text=True,
                            timeout=60)

    assert result.returncode == 0, result.stderr


# The form's own EXIF reader (report-form.js), run by Node on real photos: the phone must
# find the same place the server reads, since shrinking a photo drops its EXIF.
EXIF_HARNESS = """
const fs = require("fs");
const source = fs.readFileSync(process.argv[2], "utf8");
const start = source.indexOf("  async function exifPoint");
const end = source.indexOf("  async function shrink");
eval(source.slice(start, end));
const bytes = fs.readFileSync(process.argv[3]);
const file = new File([bytes], process.argv[4], {type: "image/jpeg"});
exifPoint(file).then((point) => console.log(JSON.stringify(point)));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
@pytest.mark.parametrize(("photo", "expected"), [
    (samples.phone_photo(), [21.4601, 105.64]),
    (upload_samples.jpeg((40, 20), exif=upload_samples.gps_exif(
        lat=(33, 52, 0), lat_ref="S", lon=(151, 12, 36), lon_ref="W")), [-33.8667, -151.21]),
    (samples.phone_photo(gps=False), None),
    (upload_samples.png(), None),
])
def test_the_form_reads_a_photos_gps_as_the_server_does(tmp_path, photo, expected):
    harness = tmp_path / "exif.js"
    harness.write_text(EXIF_HARNESS)
    image = tmp_path / "photo.jpg"
    image.write_bytes(photo)

    result = subprocess.run(["node", str(harness), str(finders.find("reports/report-form.js")),
                             str(image), "photo.jpg"], capture_output=True, text=True,
                            timeout=60)

    assert result.returncode == 0, result.stderr
    point = json.loads(result.stdout)
    if expected is None:
        assert point is None
    else:
        assert point == pytest.approx(expected, abs=0.0001)
