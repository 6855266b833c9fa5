"""Where a commune's signing key comes from, and which roots a signature must chain to.

``SIGNING_KEY_BACKEND``:
- ``dev``: a development CA and one organisation certificate per commune, generated on first
  use in ``SIGNING_DEV_DIR``. Nobody outside trusts that CA: development and tests only.
- ``pkcs12``: a .p12/.pfx file bought from a licensed CA; ``{commune}`` in
  ``SIGNING_PKCS12_PATH`` is replaced by the commune's code (one certificate per commune),
  without it one file signs for every commune.
- ``pkcs11``: the key stays on a token or HSM, reached through its PKCS#11 module.
"""

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.keys import load_certs_from_pemder
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from langso.core.errors import DomainError
from langso.core.models import Commune

DEV_CA_NAME = "Làng Số – CA phát triển (không dùng thật)"
# Fixed and in the past: documents dated earlier (demo data, tests with fixed dates) still
# fall inside the certificates' validity.
DEV_NOT_BEFORE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
DEV_CA_YEARS = 30
DEV_CERT_YEARS = 10

_lock = threading.Lock()
_cache: dict[tuple[Any, ...], SimpleSigner] = {}


class SigningUnavailable(DomainError):
    """The key cannot be reached (file missing, wrong password, token absent)."""

    status = 503
    code = "signing_unavailable"


def organisation_name(commune: Commune) -> str:
    """The organ that signs: "Ủy ban nhân dân xã …" (the commune People's Committee)."""
    name = commune.name
    kind = (commune.division_type or "").strip()
    if kind and name.lower().startswith(kind.lower() + " "):
        name = name[len(kind) + 1:]
    return f"Ủy ban nhân dân {kind.lower() or 'xã'} {name}".strip()


# -- the development CA -------------------------------------------------------------------

def _dev_dir() -> Path:
    directory = Path(settings.SIGNING_DEV_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@contextlib.contextmanager
def _dir_lock(directory: Path) -> Iterator[None]:
    """Two processes (web and worker, or test workers) creating keys at once get one CA."""
    with open(directory / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_private(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def _save(directory: Path, stem: str, key: ec.EllipticCurvePrivateKey,
          cert: x509.Certificate) -> None:
    _write_private(directory / f"{stem}.key.pem", key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    _write_private(directory / f"{stem}.pem", cert.public_bytes(serialization.Encoding.PEM))


def _load(directory: Path, stem: str) -> tuple[Any, x509.Certificate] | None:
    key_path, cert_path = directory / f"{stem}.key.pem", directory / f"{stem}.pem"
    if not (key_path.exists() and cert_path.exists()):
        return None
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    return key, x509.load_pem_x509_certificate(cert_path.read_bytes())


def _name(common_name: str, organisation: str, province: str = "") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if province:
        parts.append(x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, province[:128]))
    parts += [x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
              x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])]
    return x509.Name(parts)


def _new_ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(DEV_CA_NAME, "Làng Số")
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(DEV_NOT_BEFORE)
            .not_valid_after(dt.datetime.now(dt.UTC) + dt.timedelta(days=365 * DEV_CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def _new_organisation_cert(commune: Commune, ca_key: Any, ca_cert: x509.Certificate
                           ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    organisation = organisation_name(commune)
    province = commune.province.name if commune.province_id else ""
    cert = (x509.CertificateBuilder()
            .subject_name(_name(organisation, organisation, province))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(DEV_NOT_BEFORE)
            .not_valid_after(min(ca_cert.not_valid_after_utc, dt.datetime.now(dt.UTC)
                                 + dt.timedelta(days=365 * DEV_CERT_YEARS)))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def dev_ca() -> tuple[Any, x509.Certificate]:
    """The development CA's key and certificate, created on first use."""
    directory = _dev_dir()
    with _dir_lock(directory):
        found = _load(directory, "ca")
        if found is None:
            found = _new_ca()
            _save(directory, "ca", *found)
        return found


def dev_identity(commune: Commune) -> tuple[Any, x509.Certificate, x509.Certificate]:
    """(key, certificate, CA certificate) of ``commune`` under the development CA; a
    certificate issued by an older CA (the directory was wiped) is replaced."""
    ca_key, ca_cert = dev_ca()
    directory = _dev_dir()
    stem = f"commune-{commune.code}"
    with _dir_lock(directory):
        found = _load(directory, stem)
        if found is not None:
            try:
                found[1].verify_directly_issued_by(ca_cert)
            except (ValueError, TypeError, InvalidSignature):  # a previous dev CA's
                found = None
        if found is None:
            found = _new_organisation_cert(commune, ca_key, ca_cert)
            _save(directory, stem, *found)
    return found[0], found[1], ca_cert


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


# -- signers ------------------------------------------------------------------------------

def _dev_signer(commune: Commune) -> SimpleSigner:
    key, cert, ca_cert = dev_identity(commune)
    cache_key = ("dev", str(settings.SIGNING_DEV_DIR), commune.code, cert.serial_number)
    with _lock:
        if cache_key in _cache:
            return _cache[cache_key]
    from asn1crypto import keys as asn1_keys

    key_info = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    store = SimpleCertificateStore()
    store.register(_asn1_cert(ca_cert))
    signer = SimpleSigner(signing_cert=_asn1_cert(cert), signing_key=key_info,
                          cert_registry=store)
    with _lock:
        _cache[cache_key] = signer
    return signer


def _pkcs12_path(commune: Commune) -> Path:
    template = settings.SIGNING_PKCS12_PATH
    if not template:
        raise SigningUnavailable(_("Chưa cấu hình chứng thư số để ký văn bản."))
    return Path(template.replace("{commune}", str(commune.code)))


def _pkcs12_signer(commune: Commune) -> SimpleSigner:
    path = _pkcs12_path(commune)
    password = settings.SIGNING_PKCS12_PASSWORD
    try:
        stat = path.stat()
        # A replaced file or a changed password loads again.
        cache_key = ("pkcs12", str(path), stat.st_mtime_ns, stat.st_size,
                     hashlib.sha256(password.encode()).hexdigest())
        with _lock:
            if cache_key in _cache:
                return _cache[cache_key]
        data = path.read_bytes()
    except OSError as exc:
        raise SigningUnavailable(_("Không đọc được tệp chứng thư số của xã.")) from exc
    try:
        signer = SimpleSigner.load_pkcs12_data(
            data, other_certs=_extra_certs(), passphrase=password.encode() if password else None)
    except ValueError as exc:
        raise SigningUnavailable(_("Tệp chứng thư số không mở được (sai mật khẩu hoặc "
                                   "tệp hỏng).")) from exc
    with _lock:
        _cache[cache_key] = signer
    return signer


def _pkcs11_label(value: str, commune: Commune) -> str | None:
    return value.replace("{commune}", str(commune.code)) if value else None


@contextlib.contextmanager
def commune_signer(commune: Commune) -> Iterator[Signer]:
    """The signer for ``commune``'s organisation certificate, open for the duration of
    the ``with`` block (a PKCS#11 session is closed afterwards)."""
    backend = settings.SIGNING_KEY_BACKEND
    if backend == "dev":
        yield _dev_signer(commune)
    elif backend == "pkcs12":
        yield _pkcs12_signer(commune)
    elif backend == "pkcs11":
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

        if not settings.SIGNING_PKCS11_MODULE:
            raise SigningUnavailable(_("Chưa cấu hình thiết bị ký số (PKCS#11)."))
        token = _pkcs11_label(settings.SIGNING_PKCS11_TOKEN_LABEL, commune)
        try:
            session = open_pkcs11_session(
                settings.SIGNING_PKCS11_MODULE,
                token_criteria=TokenCriteria(label=token) if token else None,
                user_pin=settings.SIGNING_PKCS11_PIN or None)
        except Exception as exc:
            raise SigningUnavailable(_("Không kết nối được thiết bị ký số.")) from exc
        try:
            key_label = _pkcs11_label(settings.SIGNING_PKCS11_KEY_LABEL, commune)
            cert_label = _pkcs11_label(settings.SIGNING_PKCS11_CERT_LABEL, commune) or key_label
            # Hash here, sign the digest on the token (CKM_ECDSA / CKM_RSA_PKCS): every token
            # has the raw mechanisms; SoftHSM and some USB tokens lack the hash-and-sign ones.
            yield PKCS11Signer(session, cert_label=cert_label, key_label=key_label,
                               ca_chain=_extra_certs(), use_raw_mechanism=True)
        finally:
            session.close()
    else:
        raise SigningUnavailable(_("Cách ký số chưa được hỗ trợ: %(name)s.")
                                 % {"name": backend})


# -- trust --------------------------------------------------------------------------------

def _extra_certs() -> list[asn1_x509.Certificate]:
    """The configured roots are also handed to signers, so they embed the whole chain."""
    return configured_roots()


def configured_roots() -> list[asn1_x509.Certificate]:
    paths = [p for p in settings.SIGNING_TRUST_ROOTS if p]
    if not paths:
        return []
    try:
        return list(load_certs_from_pemder(paths))
    except (OSError, ValueError) as exc:
        raise SigningUnavailable(_("Không đọc được danh sách chứng thư gốc tin cậy.")) from exc


def trust_roots() -> list[asn1_x509.Certificate]:
    """The roots a signature must chain to: SIGNING_TRUST_ROOTS, plus the development CA
    while the development backend is in use."""
    roots = configured_roots()
    if settings.SIGNING_KEY_BACKEND == "dev":
        roots.append(_asn1_cert(dev_ca()[1]))
    return roots
