"""VietQR payloads: the NAPAS worked example byte for byte, the CRC, the TLV lengths, refusals
of bad input, the decoder, and the payload and SVG of a dossier."""

import datetime as dt
import re
from typing import Any

import pytest
import segno

from langso.core.errors import DomainError
from langso.onestop import services, vietqr
from langso.onestop.models import Channel, OfficeSettings, PaymentStatus

# The worked example of the reference (§5): transfer 120,000 đ to 0011001932418 at BIN
# 970415 with the purpose "ung ho lu lut". CRC recomputed independently: C15C.
EXAMPLE = ("00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
           "530370454061200005802VN62170813ung ho lu lut6304C15C")
MONDAY_9 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
CHILD = {"child_name": "Nguyễn Văn Bình", "child_birth_date": "2026-11-01",
         "child_sex": "male"}


def test_worked_example_is_reproduced_byte_for_byte():
    payload = vietqr.build_payload(bin="970415", account="0011001932418", amount=120000,
                                   purpose="ung ho lu lut")
    assert payload == EXAMPLE
    assert payload.endswith("6304C15C")


def test_crc_check_value_of_the_standard_string():
    # The catalogue check value of CRC-16/CCITT-FALSE.
    assert vietqr.crc16_ccitt_false(b"123456789") == 0x29B1
    assert vietqr.crc16_ccitt_false(b"") == 0xFFFF


def test_crc_is_four_uppercase_hex_digits_over_the_string_including_6304():
    payload = vietqr.build_payload(bin="970436", account="1234567890", amount=20000,
                                   purpose="HS 8911-261123-0001")
    body, crc = payload[:-4], payload[-4:]
    assert body.endswith("6304")
    assert re.fullmatch(r"[0-9A-F]{4}", crc)
    assert crc == f"{vietqr.crc16_ccitt_false(body.encode()):04X}"


def test_every_length_field_counts_the_value_that_follows():
    payload = vietqr.build_payload(bin="970418", account="21510000123456", amount=1500000,
                                   purpose="HS 8911-261123-0042")
    top = vietqr.decode_tlv(payload)
    assert list(top) == ["00", "01", "38", "53", "54", "58", "62", "63"]
    assert top["01"] == "12" and top["53"] == "704" and top["58"] == "VN"
    assert top["54"] == "1500000"
    assert payload[payload.index("38") + 2:payload.index("38") + 4] == f"{len(top['38']):02d}"
    merchant = vietqr.decode_tlv(top["38"])
    assert merchant == {"00": "A000000727", "01": "0006970418011421510000123456",
                        "02": "QRIBFTTA"}
    assert vietqr.decode_tlv(merchant["01"]) == {"00": "970418", "01": "21510000123456"}
    assert vietqr.decode_tlv(top["62"]) == {"08": "HS 8911-261123-0042"}
    assert top["63"] == payload[-4:]


def test_without_an_amount_the_code_is_static_and_has_no_tag_54():
    payload = vietqr.build_payload(bin="970415", account="0011001932418")
    fields = vietqr.decode_tlv(payload)
    assert fields["01"] == "11" and "54" not in fields and "62" not in fields
    assert vietqr.parse_payload(payload).amount is None


def test_purpose_loses_its_diacritics_and_stays_ascii():
    payload = vietqr.build_payload(bin="970415", account="0011001932418", amount=5000,
                                   purpose="Lệ phí hộ tịch – Đồng Bả")
    decoded = vietqr.parse_payload(payload)
    assert decoded.purpose == "Le phi ho tich Dong Ba"
    assert payload.isascii()


@pytest.mark.parametrize("kwargs, field", [
    ({"bin": "97041"}, "bank_bin"),
    ({"bin": "9704155"}, "bank_bin"),
    ({"bin": "97O415"}, "bank_bin"),
    ({"bin": ""}, "bank_bin"),
    ({"account": ""}, "bank_account"),
    ({"account": "0011 0019"}, "bank_account"),
    ({"account": "1" * 20}, "bank_account"),
    ({"account": "00110019324<script>"}, "bank_account"),
    ({"amount": 0}, "amount"),
    ({"amount": -20000}, "amount"),
    ({"amount": 12.5}, "amount"),
    ({"amount": "20000"}, "amount"),
    ({"amount": True}, "amount"),
    ({"amount": 10**13}, "amount"),
    ({"purpose": "x" * 26}, "purpose"),
])
def test_bad_bank_account_amount_or_purpose_is_refused_in_vietnamese(kwargs, field):
    values: dict[str, Any] = {"bin": "970415", "account": "0011001932418", "amount": 20000,
                              "purpose": "HS 1"}
    values.update(kwargs)
    with pytest.raises(DomainError) as error:
        vietqr.build_payload(**values)
    assert field in error.value.field_errors
    assert any(word in error.value.message for word in ("phải", "chỉ", "tối đa"))


def test_parser_round_trips_what_the_builder_makes():
    payload = vietqr.build_payload(bin="970436", account="0071000888999", amount=35000,
                                   purpose="HS 15469-261124-0007")
    assert vietqr.parse_payload(payload) == vietqr.VietQR(
        bin="970436", account="0071000888999", service="QRIBFTTA", amount=35000,
        purpose="HS 15469-261124-0007", dynamic=True, currency="704", country="VN")
    example = vietqr.parse_payload(EXAMPLE)
    assert (example.bin, example.account, example.amount, example.purpose) == (
        "970415", "0011001932418", 120000, "ung ho lu lut")


@pytest.mark.parametrize("payload", [
    EXAMPLE[:-4] + "C15D",                       # CRC of something else
    EXAMPLE.replace("120000", "920000"),         # amount changed, CRC kept
    EXAMPLE[:-8],                                # no CRC at all
    "",
    "6304",
    "0002016304ABCD",
    EXAMPLE.replace("lu lut", "lũ lụt"),         # not ASCII
    "x" * 600,
])
def test_parser_refuses_a_damaged_or_foreign_payload(payload):
    with pytest.raises(DomainError):
        vietqr.parse_payload(payload)


def test_parser_refuses_a_truncated_field_even_with_a_correct_crc():
    body = "000201010212389900" + "6304"
    payload = body + f"{vietqr.crc16_ccitt_false(body.encode()):04X}"
    with pytest.raises(DomainError, match="cấu trúc"):
        vietqr.parse_payload(payload)


def test_parser_refuses_a_payload_that_is_not_napas():
    body = "000201010212" + "3814" + "0010A000000999" + "5303704" + "5802VN" + "6304"
    payload = body + f"{vietqr.crc16_ccitt_false(body.encode()):04X}"
    with pytest.raises(DomainError, match="NAPAS"):
        vietqr.parse_payload(payload)


# -- a dossier's code ---------------------------------------------------------------------

@pytest.fixture
def paying_dossier(commune, make_procedure, officers, resident, settings, tmp_path_factory):
    settings.SIGNING_DEV_DIR = tmp_path_factory.getbasetemp() / "signing-dev"
    procedure = make_procedure(fee={"kind": "fixed", "amount": 20000}, documents=[])
    office = services.office_settings(commune)
    office.bank_bin, office.bank_account = "970415", "0011001932418"
    office.bank_account_name = "UBND XA TAM DAO"
    office.save()
    return services.dossier_submit(actor=officers["one_stop"], commune=commune,
                                   procedure=procedure, form_data=CHILD,
                                   channel=Channel.COUNTER, applicant=resident, now=MONDAY_9)


def test_dossier_payload_pays_the_fee_into_the_communes_account_with_the_code(
        paying_dossier):
    decoded = vietqr.parse_payload(vietqr.dossier_payload(paying_dossier))
    assert decoded.bin == "970415" and decoded.account == "0011001932418"
    assert decoded.amount == 20000 and decoded.dynamic
    assert decoded.purpose == f"HS {paying_dossier.code}"
    assert len(decoded.purpose) <= vietqr.MAX_PURPOSE


def test_no_payload_when_the_fee_is_paid_free_or_the_account_unknown(paying_dossier,
                                                                      commune):
    paying_dossier.payment_status = PaymentStatus.PAID
    assert vietqr.dossier_payload(paying_dossier) is None
    paying_dossier.payment_status = PaymentStatus.NOT_REQUIRED
    assert vietqr.dossier_payload(paying_dossier) is None
    paying_dossier.payment_status = PaymentStatus.UNPAID
    assert vietqr.dossier_payload(paying_dossier) is not None
    OfficeSettings.objects.filter(commune=commune).update(bank_account="")
    assert vietqr.dossier_payload(paying_dossier) is None
    # A broken account in the settings must not break the pages that show the code.
    OfficeSettings.objects.filter(commune=commune).update(bank_account="12 34", bank_bin="1")
    assert vietqr.dossier_payload(paying_dossier) is None


def test_a_code_too_long_for_the_purpose_field_gives_no_payload(paying_dossier):
    paying_dossier.code = "000.00.38.H56.XYZ-261123-0001"  # 29 characters
    assert vietqr.dossier_payload(paying_dossier) is None
    paying_dossier.code = "000.00.38.H56-261123-0001"  # 25: fits without the prefix
    assert vietqr.parse_payload(vietqr.dossier_payload(paying_dossier)).purpose == (
        "000.00.38.H56-261123-0001")


def _path(svg: str) -> str:
    found = re.search(r' d="([^"]+)"', svg)
    assert found is not None, svg
    return found.group(1)


def test_svg_is_inline_small_accessible_and_draws_the_payload():
    svg = vietqr.qr_svg(EXAMPLE)
    assert svg.startswith('<svg role="img" aria-label="')
    assert "<title>" in svg and "<?xml" not in svg
    assert len(svg.encode()) < 6000
    # It draws the matrix of this payload, not of another text (the status URL, say).
    assert _path(svg) == _path(segno.make(EXAMPLE, error="m").svg_inline(scale=4, border=4))
    assert _path(svg) != _path(vietqr.qr_svg(EXAMPLE.replace("C15C", "C15D")))
    escaped = vietqr.qr_svg(EXAMPLE, label='a"<b>')
    assert "<b>" not in escaped and escaped.count("&lt;b&gt;") == 2
