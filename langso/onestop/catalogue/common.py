"""Pieces the procedure entries share: the applicant's fields, identity papers, legal texts.

Field ``prefill`` keys name what the registry already holds (``prefill.person_values``), so
a signed-in citizen sees them filled and is not asked again ("3 không").
"""

from typing import Any

# -- legal texts (cited in each entry's ``legal_basis``) ---------------------------------------
ONE_STOP = ("Nghị định 118/2025/NĐ-CP và Thông tư 03/2025/TT-VPCP về thực hiện thủ tục "
            "hành chính theo cơ chế một cửa, một cửa liên thông")
ONLINE = "Nghị định 42/2022/NĐ-CP về cung cấp dịch vụ công trực tuyến"
CIVIL_STATUS = ("Luật Hộ tịch 2014 (60/2014/QH13); Nghị định 123/2015/NĐ-CP; "
                "Thông tư 04/2020/TT-BTP (mẫu tờ khai)")
# Since TT 85/2019/TT-BTC the provincial People's Council sets civil-status fees; the
# amounts below are the rates most provinces kept from TTLT 158/2015 (10.000 đ for
# acknowledging a parent or child, 5.000 đ for other registrations). A province sets its
# own by adding a version in the catalogue screen.
CIVIL_STATUS_FEES = ("Thông tư 85/2019/TT-BTC; mức thu theo Nghị quyết của Hội đồng nhân dân "
                     "tỉnh")
CIVIL_STATUS_FREE = "Khoản 1 Điều 11 Luật Hộ tịch 2014 (miễn lệ phí)"
CERTIFICATION = ("Nghị định 23/2015/NĐ-CP về cấp bản sao từ sổ gốc, chứng thực bản sao từ "
                 "bản chính, chứng thực chữ ký và chứng thực hợp đồng, giao dịch; "
                 "Thông tư 01/2020/TT-BTP")
CERTIFICATION_FEES = "Thông tư 226/2016/TT-BTC (phí chứng thực)"
RESIDENCE = ("Luật Cư trú 2020 (68/2020/QH14); Thông tư 55/2021/TT-BCA; "
             "Thông tư 66/2023/TT-BCA (mẫu CT01)")
RESIDENCE_FEES = "Thông tư 75/2022/TT-BTC (lệ phí đăng ký cư trú)"


def legal(*parts: str) -> str:
    return "; ".join((*parts, ONE_STOP, ONLINE)) + "."


# -- application form fields ---------------------------------------------------------------------
def field(name: str, label: str, kind: str = "text", *, required: bool = True,
          **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "type": kind, "required": required, **extra}


SEX_CHOICES = [["male", "Nam"], ["female", "Nữ"]]


def applicant_fields() -> list[dict[str, Any]]:
    """Who asks: filled from the registry for a signed-in citizen."""
    return [
        field("applicant_name", "Họ, chữ đệm, tên người yêu cầu", max_length=150,
              prefill="person.full_name"),
        field("applicant_birth_date", "Ngày, tháng, năm sinh", "past_date",
              prefill="person.date_of_birth"),
        field("applicant_id", "Số định danh cá nhân", "citizen_id",
              prefill="person.citizen_id"),
        field("applicant_address", "Nơi cư trú", max_length=255, prefill="person.address"),
        field("applicant_phone", "Số điện thoại", "phone", required=False,
              prefill="person.phone"),
    ]


# -- documents -----------------------------------------------------------------------------------
def document(code: str, name: str, copy_kind: str = "scan", *, quantity: int = 1,
             required: bool = True) -> dict[str, Any]:
    return {"code": code, "name": name, "copy_kind": copy_kind, "quantity": quantity,
            "required": required}


def authorisation() -> dict[str, Any]:
    return document("authorisation", "Văn bản ủy quyền (nếu nộp thay người khác)",
                    "certified_copy", required=False)
