"""Uploads with MEDIA_STORAGE=s3: the same pipeline against a real S3-compatible server
(moto's, on a local port) through django-storages, as configured in settings.py."""

import hashlib
import importlib.util
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.test import Client
from moto.server import ThreadedMotoServer

import langso
from langso.core.errors import DomainError
from langso.core.models import Role, StoredFile
from langso.core.tests import upload_samples as samples
from langso.core.uploads.services import upload_store
from langso.testing.auth import login_verified

BUCKET = "langso-test-media"
KEYS = {"access_key": "test-access", "secret_key": "test-secret", "region_name": "us-east-1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def storage_from_settings_module(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> dict:
    """STORAGES["default"] exactly as settings.py builds it from MEDIA_STORAGE=s3 and the
    S3_* variables (the settings module is executed again, in a scratch module)."""
    for name, value in {"MEDIA_STORAGE": "s3", "S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": endpoint,
                        "S3_ACCESS_KEY_ID": KEYS["access_key"],
                        "S3_SECRET_ACCESS_KEY": KEYS["secret_key"],
                        "S3_REGION": KEYS["region_name"]}.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("langso_settings_with_s3",
                                                  Path(langso.__file__).parent / "settings.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.STORAGES["default"]


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch) -> Iterator[object]:
    """A fresh bucket, and the default storage pointed at it as MEDIA_STORAGE=s3 does."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id=KEYS["access_key"],
                          aws_secret_access_key=KEYS["secret_key"],
                          region_name=KEYS["region_name"])
    client.create_bucket(Bucket=BUCKET)
    default = storage_from_settings_module(monkeypatch, s3_endpoint)
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    settings.STORAGES = {**settings.STORAGES, "default": default}
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client: object) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]  # type: ignore[attr-defined]


def test_photo_is_stored_in_the_bucket_cleaned_and_typed(citizen, commune, bucket):
    stored = upload_store(actor=citizen, commune=commune,
                          file=SimpleUploadedFile("a.jpg", samples.jpeg(
                              exif=samples.gps_exif()), content_type="text/html"),
                          kind="photo", keep_location=True)

    assert keys(bucket) == [stored.storage_name]
    obj = bucket.get_object(Bucket=BUCKET, Key=stored.storage_name)
    body = obj["Body"].read()
    assert hashlib.sha256(body).hexdigest() == stored.sha256
    assert obj["ContentType"] == "image/jpeg"  # ours, not what the browser claimed
    assert b"GPS" not in body and stored.latitude is not None


def test_file_is_served_through_a_short_lived_presigned_redirect(citizen, commune, bucket):
    stored = upload_store(actor=citizen, commune=commune,
                          file=SimpleUploadedFile("đơn.pdf", samples.pdf()), kind="document")
    client = Client()
    login_verified(client, citizen)

    response = client.get(f"/tep/{stored.public_id}/")

    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
    location = response["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["60"] and BUCKET in location
    fetched = requests.get(location, timeout=10)
    assert fetched.status_code == 200 and fetched.content == samples.pdf()
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert "inline" in fetched.headers["Content-Disposition"]


def test_presigned_link_is_only_given_after_the_permission_check(citizen, commune, bucket,
                                                                 make_staff, other_commune):
    stored = upload_store(actor=citizen, commune=commune,
                          file=SimpleUploadedFile("a.jpg", samples.jpeg()), kind="photo")
    client = Client()
    login_verified(client, make_staff(Role.COMMUNE_ADMIN, other_commune))

    response = client.get(f"/tep/{stored.public_id}/")

    assert response.status_code == 404 and "Location" not in response
    # Without a signature the bucket refuses the object.
    unsigned = requests.get(f"{bucket.meta.endpoint_url}/{BUCKET}/{stored.storage_name}",
                            timeout=10)
    assert unsigned.status_code == 403


def test_proxy_mode_streams_the_file_through_django(citizen, commune, bucket, settings):
    settings.UPLOAD_S3_PROXY = True
    stored = upload_store(actor=citizen, commune=commune,
                          file=SimpleUploadedFile("a.wav", samples.wav()), kind="audio")
    client = Client()
    login_verified(client, citizen)

    response = client.get(f"/tep/{stored.public_id}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.wav()
    assert response["Content-Type"] == "audio/wav"


def test_database_failure_removes_the_object_from_the_bucket(citizen, commune, bucket):
    samples.refuse_stored_file_inserts()

    with pytest.raises(DatabaseError):
        upload_store(actor=citizen, commune=commune,
                     file=SimpleUploadedFile("a.jpg", samples.jpeg()), kind="photo")

    assert keys(bucket) == []


def test_refused_file_never_reaches_the_bucket(citizen, commune, bucket):
    with pytest.raises(DomainError):
        upload_store(actor=citizen, commune=commune,
                     file=SimpleUploadedFile("photo.jpg", b"not an image"), kind="photo")

    assert keys(bucket) == [] and StoredFile.objects.count() == 0


def test_unreachable_bucket_writes_nothing_to_the_database(citizen, commune, bucket,
                                                           settings):
    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {**settings.STORAGES, "default": {
        **settings.STORAGES["default"], "OPTIONS": {**options, "bucket_name": "no-such-bucket"}}}

    with pytest.raises(DomainError) as refused:
        upload_store(actor=citizen, commune=commune,
                     file=SimpleUploadedFile("a.jpg", samples.jpeg()), kind="photo")

    assert refused.value.status == 503
    assert StoredFile.objects.count() == 0
