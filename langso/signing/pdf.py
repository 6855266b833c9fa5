"""Signing a PDF with a commune's organisation certificate (PAdES B-B), and checking a
signed PDF: was it changed after signing, and does the signer chain to a trusted root."""

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    KeyUsageConstraints,
    SignatureCoverageLevel,
    validate_pdf_signature,
)
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator import ValidationContext

from langso.core.errors import DomainError
from langso.core.models import Commune
from langso.signing import keys

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
# Later revisions that leave a signature standing: none, timestamps and validation data,
# another signature or form filling (ISO 32000-2 §12.8.2.2, DocMDP level 2).
_HARMLESS = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES,
             ModificationLevel.FORM_FILLING)
# Organisation and personal certificates from Vietnamese CAs carry either usage.
_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"},
                                 match_all_key_usages=False)


class SigningFailed(DomainError):
    code = "signing_failed"


def sign_pdf(pdf_bytes: bytes, *, commune: Commune, reason: str,
             signer_name: str | None = None) -> bytes:
    """Sign ``pdf_bytes`` as ``commune``'s People's Committee (PAdES baseline B-B,
    incremental: the bytes signed are kept as they are). ``signer_name`` (the leader who
    approved) is recorded as the signature's /Name and in its reason."""
    full_reason = reason.strip()
    if signer_name:
        full_reason = _("%(reason)s. Người ký: %(name)s") % {"reason": full_reason,
                                                             "name": signer_name}
    meta = signers.PdfSignatureMetadata(
        field_name=f"LangSo_{secrets.token_hex(4)}", md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES, reason=full_reason[:500],
        location=keys.organisation_name(commune), name=signer_name or None)
    with keys.commune_signer(commune) as signer:
        try:
            writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
            if writer.prev.encrypted:
                raise SigningFailed(_("Tệp PDF được mã hóa, không ký được."))
            output = signers.sign_pdf(writer, meta, signer=signer)
        except (PdfError, ValueError, KeyError, TypeError) as exc:
            logger.warning("signing.pdf_failed", extra={"commune": commune.pk,
                                                        "error": type(exc).__name__})
            raise SigningFailed(_("Tệp PDF không hợp lệ, không ký được.")) from exc
    return bytes(output.getvalue())


# -- verification ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SignatureInfo:
    signer_name: str
    organisation: str
    signing_time: dt.datetime | None
    reason: str
    location: str
    name: str
    intact: bool
    # Nothing but harmless additions (another signature, form data) after it.
    unchanged: bool
    trusted: bool


@dataclass(frozen=True)
class VerificationResult:
    is_pdf: bool
    signed: bool
    intact: bool
    trusted: bool
    message: str
    signatures: tuple[SignatureInfo, ...] = ()

    @property
    def valid(self) -> bool:
        return self.is_pdf and self.signed and self.intact and self.trusted

    def _last(self) -> SignatureInfo | None:
        return self.signatures[-1] if self.signatures else None

    @property
    def signer_name(self) -> str:
        last = self._last()
        return last.signer_name if last else ""

    @property
    def organisation(self) -> str:
        last = self._last()
        return last.organisation if last else ""

    @property
    def signing_time(self) -> dt.datetime | None:
        last = self._last()
        return last.signing_time if last else None

    @property
    def reason(self) -> str:
        last = self._last()
        return last.reason if last else ""


def _subject_part(cert: Any, part: str) -> str:
    try:
        value = cert.subject.native.get(part, "")
    except (ValueError, AttributeError):
        return ""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return str(value or "")


def _text(sig_object: Any, key: str) -> str:
    try:
        value = sig_object.get(key)
    except (KeyError, PdfError):
        return ""
    return str(value)[:500] if value is not None else ""


def _check(embedded: Any, context: ValidationContext) -> SignatureInfo:
    cert = embedded.signer_cert
    status = validate_pdf_signature(embedded, signer_validation_context=context,
                                    key_usage_settings=_KEY_USAGE)
    level = status.modification_level
    unchanged = bool(status.intact and status.docmdp_ok is not False
                     and _covers(status, level))
    return SignatureInfo(
        signer_name=_subject_part(cert, "common_name"),
        organisation=_subject_part(cert, "organization_name"),
        signing_time=status.signer_reported_dt,
        reason=_text(embedded.sig_object, "/Reason"),
        location=_text(embedded.sig_object, "/Location"),
        name=_text(embedded.sig_object, "/Name"),
        intact=bool(status.intact and status.valid),
        unchanged=unchanged,
        trusted=bool(status.trusted),
    )


def _covers(status: Any, level: ModificationLevel | None) -> bool:
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    return status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and level in _HARMLESS


def verify_pdf(pdf_bytes: bytes) -> VerificationResult:
    """Check every signature in ``pdf_bytes``; the message says, in Vietnamese, what the
    reader needs to know first."""
    if PDF_MAGIC not in pdf_bytes[:1024]:  # ISO 32000: the header may follow junk
        return VerificationResult(is_pdf=False, signed=False, intact=False, trusted=False,
                                  message=_("Tệp không phải là tài liệu PDF."))
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
        if reader.encrypted:
            return VerificationResult(
                is_pdf=True, signed=False, intact=False, trusted=False,
                message=_("Tài liệu PDF được mã hóa, không kiểm tra được chữ ký."))
        embedded = list(reader.embedded_signatures)
    except Exception:  # anything a damaged file makes the parser raise
        logger.info("signing.verify_unreadable")
        return VerificationResult(
            is_pdf=True, signed=False, intact=False, trusted=False,
            message=_("Không đọc được tệp PDF: tệp bị hỏng hoặc đã bị sửa đổi."))
    if not embedded:
        return VerificationResult(is_pdf=True, signed=False, intact=False, trusted=False,
                                  message=_("Tài liệu không có chữ ký số."))
    context = ValidationContext(trust_roots=keys.trust_roots(), allow_fetching=False,
                                revocation_mode="soft-fail")
    results: list[SignatureInfo] = []
    for signature in embedded:
        try:
            results.append(_check(signature, context))
        except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError):
            logger.info("signing.verify_broken_signature")
            results.append(SignatureInfo(
                signer_name="", organisation="", signing_time=None,
                reason=_text(signature.sig_object, "/Reason"), location="", name="",
                intact=False, unchanged=False, trusted=False))
    intact = all(s.intact and s.unchanged for s in results)
    trusted = all(s.trusted for s in results)
    if not intact:
        message = _("Tài liệu đã bị thay đổi sau khi ký: chữ ký không còn giá trị.")
    elif not trusted:
        message = _("Tài liệu chưa bị thay đổi từ khi ký, nhưng chứng thư số của người ký "
                    "không thuộc tổ chức chứng thực được tin cậy.")
    else:
        message = _("Chữ ký số hợp lệ: tài liệu chưa bị thay đổi từ khi ký và người ký "
                    "được xác thực.")
    return VerificationResult(is_pdf=True, signed=True, intact=intact, trusted=trusted,
                              message=message, signatures=tuple(results))
