"""Đăng ký giám hộ (1.004837).

03 working days (Điều 20–21 Luật Hộ tịch). Free (khoản 1 Điều 11 Luật Hộ tịch).
"""

from langso.onestop.catalogue.common import (
    CIVIL_STATUS,
    CIVIL_STATUS_FREE,
    applicant_fields,
    document,
    field,
    legal,
)

ENTRY = {
    "code": "1.004837",
    "slug": "dang-ky-giam-ho",
    "name": "Đăng ký giám hộ",
    "sector": "Hộ tịch",
    "department_kind": "tu_phap_ho_tich",
    "versions": [{
        "effective_from": "2025-07-01",
        "legal_basis": legal("Điều 19–21 Luật Hộ tịch 2014", "Bộ luật Dân sự 2015",
                             CIVIL_STATUS, CIVIL_STATUS_FREE),
        "time_limit": {"kind": "working_days", "value": 3, "note": ""},
        "fee": {"kind": "free"},
        "online_level": "partial",
        "result_type": "Trích lục đăng ký giám hộ",
        "documents": [
            document("appointment", "Văn bản cử người giám hộ hoặc văn bản thỏa thuận cử "
                                    "người giám hộ theo Bộ luật Dân sự"),
        ],
        "form_schema": [
            *applicant_fields(),
            field("ward_name", "Họ, chữ đệm, tên người được giám hộ", max_length=150),
            field("ward_birth_date", "Ngày sinh người được giám hộ", "past_date"),
            field("ward_id", "Số định danh cá nhân người được giám hộ", "citizen_id",
                  required=False),
            field("guardian_kind", "Loại giám hộ", "choice",
                  choices=[["appointed", "Giám hộ cử"], ["legal", "Giám hộ đương nhiên"]]),
            field("reason", "Lý do đăng ký giám hộ", "textarea", max_length=1000),
        ],
    }],
}
