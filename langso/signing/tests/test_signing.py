"""Signing and verification with real keys: the development CA, PKCS#12 files, a SoftHSM
token when one is installed; tampered, unsigned, foreign and untrusted PDFs; the public
page and the command."""

import datetime as dt
import shutil
import subprocess
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from langso.core.models import Commune, Role
from langso.signing import keys
from langso.signing.pdf import SigningFailed, sign_pdf, verify_pdf
from langso.signing.render import html_to_pdf
from langso.signing.tests.pdftext import pdf_text
from langso.testing.auth import login_verified

pytestmark = pytest.mark.django_db

HTML = ("<h1>Giấy xác nhận</h1><p>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</p>"
        "<p>Độc lập - Tự do - Hạnh phúc</p><p>Người được xác nhận: Nguyễn Thị Lan</p>")


@pytest.fixture(autouse=True)
def signing_settings(settings: Any, tmp_path: Any) -> Any:
    settings.SIGNING_KEY_BACKEND = "dev"
    settings.SIGNING_DEV_DIR = tmp_path / "signing"
    settings.SIGNING_TRUST_ROOTS = []
    settings.SIGNING_VERIFY_MAX_MB = 1
    return settings


@pytest.fixture(scope="module")
def unsigned_pdf() -> bytes:
    return html_to_pdf(HTML)


@pytest.fixture
def signed_pdf(commune: Commune, unsigned_pdf: bytes) -> bytes:
    return sign_pdf(unsigned_pdf, commune=commune, reason="Cấp giấy xác nhận",
                    signer_name="Chủ tịch Trần Văn Hùng")


def _flip_byte_in_content(pdf: bytes) -> bytes:
    """Change one byte of the first stream's data: signed bytes, the file still parses."""
    start = pdf.index(b"stream", pdf.index(b"/Length")) + len(b"stream\n") + 5
    data = bytearray(pdf)
    data[start] ^= 0x01
    return bytes(data)


def _self_made_signer(common_name: str) -> signers.SimpleSigner:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    data = pkcs12.serialize_key_and_certificates(
        b"x", key, cert, None, serialization.NoEncryption())
    return signers.SimpleSigner.load_pkcs12_data(data, other_certs=[])


# -- signing and verifying ------------------------------------------------------------------

def test_a_signed_pdf_validates_and_names_the_commune(commune, signed_pdf, unsigned_pdf):
    result = verify_pdf(signed_pdf)
    assert result.valid, result.message
    assert (result.is_pdf, result.signed, result.intact, result.trusted) == (
        True, True, True, True)
    assert result.signer_name == "Ủy ban nhân dân xã Tam Đảo"
    assert result.organisation == "Ủy ban nhân dân xã Tam Đảo"
    assert result.reason == "Cấp giấy xác nhận. Người ký: Chủ tịch Trần Văn Hùng"
    assert result.signatures[0].name == "Chủ tịch Trần Văn Hùng"
    assert result.signatures[0].location == "Ủy ban nhân dân xã Tam Đảo"
    assert result.signing_time is not None
    assert "hợp lệ" in result.message
    # Incremental: the original bytes are kept, the signature is appended.
    assert signed_pdf.startswith(unsigned_pdf)
    assert b"/ETSI.CAdES.detached" in signed_pdf
    assert pdf_text(signed_pdf) == pdf_text(unsigned_pdf)


def test_the_text_keeps_its_vietnamese_letters(unsigned_pdf):
    text = pdf_text(unsigned_pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Nguyễn Thị Lan" in text


def _embedded_families(pdf: bytes) -> set[str]:
    """The family names inside the font programs embedded in the first page."""
    from fontTools.ttLib import TTFont
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(pdf))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    fonts = page["/Resources"].get_object()["/Font"].get_object()
    families = set()
    for font in fonts.values():
        descendant = font.get_object()["/DescendantFonts"][0].get_object()
        program = descendant["/FontDescriptor"].get_object()["/FontFile2"].get_object().data
        families.add(str(TTFont(BytesIO(program))["name"].getDebugName(1)))
    return families


def test_the_renderer_loads_no_local_file_named_in_the_html():
    secret = Path(__file__)
    pdf = html_to_pdf(f'<p>x</p><img src="{secret.as_uri()}" alt="">'
                      f'<link rel="stylesheet" href="{secret.as_uri()}">')
    assert b"/Subtype /Image" not in pdf and b"/Subtype/Image" not in pdf
    assert "x" in pdf_text(pdf)


def test_the_pdf_embeds_only_the_bundled_serif_font(unsigned_pdf):
    assert _embedded_families(unsigned_pdf) == {"Liberation Serif"}


def test_each_commune_gets_its_own_certificate_under_one_dev_ca(commune, other_commune,
                                                                unsigned_pdf):
    ours = verify_pdf(sign_pdf(unsigned_pdf, commune=commune, reason="a"))
    theirs = verify_pdf(sign_pdf(unsigned_pdf, commune=other_commune, reason="b"))
    assert ours.valid and theirs.valid
    assert theirs.signer_name == "Ủy ban nhân dân xã Yên Định"
    _key, cert_a, ca = keys.dev_identity(commune)
    _key, cert_b, ca_again = keys.dev_identity(other_commune)
    assert ca == ca_again and cert_a.serial_number != cert_b.serial_number
    assert cert_a.issuer == ca.subject
    # Reused, not regenerated, on the next use.
    assert keys.dev_identity(commune)[1] == cert_a


def test_a_wiped_dev_ca_gets_new_commune_certificates(commune, settings, unsigned_pdf):
    _key, old_cert, _ca = keys.dev_identity(commune)
    for path in Path(settings.SIGNING_DEV_DIR).glob("ca*"):
        path.unlink()
    _key, new_cert, new_ca = keys.dev_identity(commune)
    assert new_cert.serial_number != old_cert.serial_number
    new_cert.verify_directly_issued_by(new_ca)
    assert verify_pdf(sign_pdf(unsigned_pdf, commune=commune, reason="x")).valid


def test_dev_keys_are_private_files(commune, settings):
    keys.dev_identity(commune)
    for path in Path(settings.SIGNING_DEV_DIR).glob("*.key.pem"):
        assert path.stat().st_mode & 0o077 == 0


def test_changing_one_signed_byte_says_the_document_changed(signed_pdf):
    result = verify_pdf(_flip_byte_in_content(signed_pdf))
    assert result.signed and not result.intact and not result.valid
    assert result.message == "Tài liệu đã bị thay đổi sau khi ký: chữ ký không còn giá trị."
    assert result.signer_name == "Ủy ban nhân dân xã Tam Đảo"


def test_content_appended_after_signing_says_the_document_changed(signed_pdf):
    """An incremental update that rewrites the page (not a signature or form data)."""
    from pyhanko.pdf_utils import generic

    writer = IncrementalPdfFileWriter(BytesIO(signed_pdf))
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (Sua) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue())
    assert result.signed and not result.intact
    assert "thay đổi" in result.message


def test_an_unsigned_pdf_is_reported_as_unsigned(unsigned_pdf):
    result = verify_pdf(unsigned_pdf)
    assert (result.is_pdf, result.signed, result.valid) == (True, False, False)
    assert result.message == "Tài liệu không có chữ ký số."


@pytest.mark.parametrize("data", [b"", b"hello world", b"\x89PNG\r\n\x1a\n" + b"0" * 100,
                                  "Giấy khai sinh".encode()])
def test_something_that_is_not_a_pdf_is_reported_as_such(data):
    result = verify_pdf(data)
    assert not result.is_pdf and not result.valid
    assert result.message == "Tệp không phải là tài liệu PDF."


def test_a_truncated_pdf_is_reported_as_damaged(signed_pdf):
    result = verify_pdf(signed_pdf[: len(signed_pdf) // 2])
    assert not result.valid
    assert result.message in ("Không đọc được tệp PDF: tệp bị hỏng hoặc đã bị sửa đổi.",
                              "Tài liệu đã bị thay đổi sau khi ký: chữ ký không còn giá trị.",
                              "Tài liệu không có chữ ký số.")


def test_a_pdf_signed_with_a_self_made_key_is_not_trusted(unsigned_pdf):
    signer = _self_made_signer("Ủy ban nhân dân xã Tam Đảo")  # a forger claiming the name
    meta = signers.PdfSignatureMetadata(field_name="Forged", md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    forged = signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(unsigned_pdf)), meta,
                              signer=signer).getvalue()
    result = verify_pdf(forged)
    assert result.signed and result.intact and not result.trusted and not result.valid
    assert "không thuộc tổ chức chứng thực được tin cậy" in result.message
    assert result.signer_name == "Ủy ban nhân dân xã Tam Đảo"


def test_a_second_signature_keeps_the_first_one_standing(commune, signed_pdf):
    twice = sign_pdf(signed_pdf, commune=commune, reason="Sao y")
    result = verify_pdf(twice)
    assert len(result.signatures) == 2 and result.valid, result.message


def test_signing_garbage_fails_with_a_clear_message(commune):
    with pytest.raises(SigningFailed) as caught:
        sign_pdf(b"%PDF-1.7\nnot really", commune=commune, reason="x")
    assert caught.value.message == "Tệp PDF không hợp lệ, không ký được."


# -- production backends --------------------------------------------------------------------

def _write_pkcs12(path: Path, commune: Commune, password: bytes) -> x509.Certificate:
    """A commune certificate issued by our own "province CA", exported as a .p12."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CA Tỉnh thử nghiệm")])
    now = dt.datetime.now(dt.UTC)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=365))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, keys.organisation_name(commune)),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                         keys.organisation_name(commune))])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(ca_key, hashes.SHA256()))
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"ubnd", key, cert, [ca], serialization.BestAvailableEncryption(password)))
    return ca


def test_pkcs12_per_commune_signs_and_chains_to_the_configured_root(
        commune, other_commune, settings, tmp_path, unsigned_pdf):
    ca = _write_pkcs12(tmp_path / f"{commune.code}.p12", commune, b"mat-khau")
    root = tmp_path / "root.pem"
    root.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    settings.SIGNING_KEY_BACKEND = "pkcs12"
    settings.SIGNING_PKCS12_PATH = str(tmp_path / "{commune}.p12")
    settings.SIGNING_PKCS12_PASSWORD = "mat-khau"
    settings.SIGNING_TRUST_ROOTS = [str(root)]

    result = verify_pdf(sign_pdf(unsigned_pdf, commune=commune, reason="x"))
    assert result.valid, result.message
    # The dev CA is not trusted outside the development backend.
    assert not (Path(settings.SIGNING_DEV_DIR) / "ca.pem").exists()
    with pytest.raises(keys.SigningUnavailable):  # no file for that commune
        sign_pdf(unsigned_pdf, commune=other_commune, reason="x")
    settings.SIGNING_PKCS12_PASSWORD = "sai"
    with pytest.raises(keys.SigningUnavailable) as caught:
        sign_pdf(unsigned_pdf, commune=commune, reason="x")
    assert "mật khẩu" in caught.value.message


def test_without_trust_roots_a_pkcs12_signature_is_not_trusted(commune, settings, tmp_path,
                                                                unsigned_pdf):
    _write_pkcs12(tmp_path / "all.p12", commune, b"k")
    settings.SIGNING_KEY_BACKEND = "pkcs12"
    settings.SIGNING_PKCS12_PATH = str(tmp_path / "all.p12")
    settings.SIGNING_PKCS12_PASSWORD = "k"
    result = verify_pdf(sign_pdf(unsigned_pdf, commune=commune, reason="x"))
    assert result.intact and not result.trusted


def test_an_unconfigured_backend_refuses_to_sign(commune, settings, unsigned_pdf):
    settings.SIGNING_KEY_BACKEND = "pkcs12"
    settings.SIGNING_PKCS12_PATH = ""
    with pytest.raises(keys.SigningUnavailable):
        sign_pdf(unsigned_pdf, commune=commune, reason="x")
    settings.SIGNING_KEY_BACKEND = "pkcs11"
    settings.SIGNING_PKCS11_MODULE = ""
    with pytest.raises(keys.SigningUnavailable):
        sign_pdf(unsigned_pdf, commune=commune, reason="x")


SOFTHSM_MODULES = ["/usr/lib/softhsm/libsofthsm2.so",
                   "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"]


def _softhsm_module() -> str | None:
    if shutil.which("softhsm2-util") is None:
        return None
    return next((m for m in SOFTHSM_MODULES if Path(m).exists()), None)


@pytest.mark.skipif(_softhsm_module() is None,
                    reason="SoftHSM2 not installed (apt-get install softhsm2): the PKCS#11 "
                           "backend is only tested where a software token exists")
def test_pkcs11_token_signs_with_a_key_that_never_leaves_it(commune, settings, tmp_path,
                                                            unsigned_pdf, monkeypatch):
    import pkcs11
    from pkcs11 import Attribute, KeyType

    module = _softhsm_module()
    assert module is not None
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    config = tmp_path / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(config))
    label = f"ubnd-{commune.code}"
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label,
                    "--pin", "1234", "--so-pin", "5678"], check=True, capture_output=True)

    # Generate the key inside the token; the CA certifies its public half.
    lib = pkcs11.lib(module)
    token = lib.get_token(token_label=label)
    with token.open(rw=True, user_pin="1234") as session:
        public, _private = session.generate_keypair(
            KeyType.EC, store=True, label="ky-so",
            public_template={Attribute.EC_PARAMS: pkcs11.util.ec.encode_named_curve_parameters(
                "secp256r1")})
        from pkcs11.util.ec import encode_ec_public_key

        public_key = serialization.load_der_public_key(encode_ec_public_key(public))
        ca_key, ca_cert = keys.dev_ca()
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                             keys.organisation_name(commune))])
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(ca_cert.subject)
                .public_key(public_key).serial_number(x509.random_serial_number())  # type: ignore[arg-type]
                .not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=30))
                .add_extension(x509.KeyUsage(
                    digital_signature=True, content_commitment=True, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=False,
                    crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
                .sign(ca_key, hashes.SHA256()))
        from pkcs11.util.x509 import decode_x509_certificate

        template = decode_x509_certificate(cert.public_bytes(serialization.Encoding.DER))
        session.create_object({**template, Attribute.TOKEN: True, Attribute.LABEL: "ky-so"})

    ca_pem = tmp_path / "ca.pem"
    ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    settings.SIGNING_KEY_BACKEND = "pkcs11"
    settings.SIGNING_PKCS11_MODULE = module
    settings.SIGNING_PKCS11_TOKEN_LABEL = "ubnd-{commune}"
    settings.SIGNING_PKCS11_KEY_LABEL = "ky-so"
    settings.SIGNING_PKCS11_PIN = "1234"
    settings.SIGNING_TRUST_ROOTS = [str(ca_pem)]

    result = verify_pdf(sign_pdf(unsigned_pdf, commune=commune, reason="Ký bằng thiết bị"))
    assert result.valid, result.message
    assert result.signer_name == "Ủy ban nhân dân xã Tam Đảo"

    settings.SIGNING_PKCS11_PIN = "0000"
    with pytest.raises(keys.SigningUnavailable):
        sign_pdf(unsigned_pdf, commune=commune, reason="x")


# -- the public page ------------------------------------------------------------------------

URL = "/xac-minh-van-ban/"


def _post(client: Any, data: bytes, name: str = "van-ban.pdf") -> Any:
    return client.post(URL, {"file": SimpleUploadedFile(name, data, "application/pdf")})


def test_the_page_route_is_public_and_named():
    assert reverse("onestop:verify_document") == URL


def test_anybody_gets_the_form_without_javascript(client):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html and "<script" not in html
    assert '<label for="id_file">' in html
    assert len(response.content) < 14 * 1024


def test_a_valid_document_shows_who_signed_and_that_it_is_unchanged(client, signed_pdf):
    response = _post(client, signed_pdf)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Văn bản hợp lệ" in html
    assert "Ủy ban nhân dân xã Tam Đảo" in html
    assert "Chủ tịch Trần Văn Hùng" in html
    assert "Cấp giấy xác nhận" in html


@pytest.mark.parametrize("role", [None, "citizen", Role.CHAIRMAN])
def test_every_visitor_may_check_a_document(client, signed_pdf, make_staff, citizen,
                                            other_commune, role):
    if role == "citizen":
        client.force_login(citizen)
    elif role == Role.CHAIRMAN:
        login_verified(client, make_staff(Role.CHAIRMAN, other_commune))
    response = _post(client, signed_pdf)
    assert response.status_code == 200 and "Văn bản hợp lệ" in response.content.decode()


def test_a_tampered_document_is_shown_as_changed(client, signed_pdf):
    response = _post(client, _flip_byte_in_content(signed_pdf))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Văn bản đã bị thay đổi" in html and "Văn bản hợp lệ" not in html


def test_garbage_gets_a_clear_message(client):
    response = _post(client, b"MZ\x90\x00 not a pdf at all", name="virus.exe")
    assert response.status_code == 400
    assert "Tệp không phải là tài liệu PDF." in response.content.decode()


def test_no_file_gets_a_clear_message(client):
    response = client.post(URL, {})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Vui lòng chọn tệp PDF." in html and 'role="alert"' in html


def test_an_oversized_upload_is_refused_before_it_is_read(client, settings):
    big = b"%PDF-1.7\n" + b"0" * (settings.SIGNING_VERIFY_MAX_MB * 1024 * 1024 + 512 * 1024)
    response = _post(client, big)
    assert response.status_code == 413
    assert "Tệp quá lớn, tối đa 1 MB." in response.content.decode()


def test_a_file_just_over_the_limit_inside_the_body_cap_is_refused(client, settings):
    big = b"%PDF-1.7\n" + b"0" * (settings.SIGNING_VERIFY_MAX_MB * 1024 * 1024)
    response = _post(client, big)
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.content.decode()


def test_the_page_checks_csrf(signed_pdf):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(URL, {"file": SimpleUploadedFile("a.pdf", signed_pdf)})
    assert response.status_code == 403


def test_the_page_stores_nothing(client, signed_pdf, settings, tmp_path):
    from langso.core.models import StoredFile

    settings.MEDIA_ROOT = tmp_path / "media"
    _post(client, signed_pdf)
    assert StoredFile.objects.count() == 0
    assert not (tmp_path / "media").exists()


# -- the command ----------------------------------------------------------------------------

def _command(path: Path) -> tuple[int, str, str]:
    stdout, stderr = StringIO(), StringIO()
    try:
        call_command("verify_pdf", str(path), stdout=stdout, stderr=stderr)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, stdout.getvalue(), stderr.getvalue()


def test_the_command_exits_0_for_a_valid_signature(signed_pdf, tmp_path):
    path = tmp_path / "ok.pdf"
    path.write_bytes(signed_pdf)
    code, out, _err = _command(path)
    assert code == 0
    assert "Ủy ban nhân dân xã Tam Đảo" in out and "tin cậy: có" in out


@pytest.mark.parametrize("kind", ["tampered", "unsigned", "garbage", "missing"])
def test_the_command_exits_1_otherwise(kind, signed_pdf, unsigned_pdf, tmp_path):
    path = tmp_path / "x.pdf"
    if kind == "tampered":
        path.write_bytes(_flip_byte_in_content(signed_pdf))
    elif kind == "unsigned":
        path.write_bytes(unsigned_pdf)
    elif kind == "garbage":
        path.write_bytes(b"not a pdf")
    code, _out, err = _command(path)
    assert code == 1
    assert err.strip()
