"""Đăng ký nhận cha, mẹ, con (1.001022).

03 working days, up to 05 more if verification is needed (Điều 25 Luật Hộ tịch).
Fee set by the provincial People's Council (most kept 10.000 đ from TTLT 158/2015).
"""

from langso.onestop.catalogue.common import (
    CIVIL_STATUS,
    CIVIL_STATUS_FEES,
    applicant_fields,
    document,
    field,
    legal,
)

ENTRY = {
    "code": "1.001022",
    "slug": "dang-ky-nhan-cha-me-con",
    "name": "Đăng ký nhận cha, mẹ, con",
    "sector": "Hộ tịch",
    "department_kind": "tu_phap_ho_tich",
    "versions": [{
        "effective_from": "2025-07-01",
        "legal_basis": legal("Điều 24–25 Luật Hộ tịch 2014", CIVIL_STATUS, CIVIL_STATUS_FEES),
        "time_limit": {"kind": "working_days", "value": 3,
                       "note": "Trường hợp cần xác minh thì kéo dài thêm không quá 05 ngày "
                               "làm việc. Hai bên có mặt khi đăng ký."},
        "fee": {"kind": "fixed", "amount": 10000},
        "online_level": "partial",
        "result_type": "Trích lục đăng ký nhận cha, mẹ, con",
        "documents": [
            document("proof", "Văn bản của cơ sở y tế, cơ quan giám định xác nhận quan hệ "
                              "cha, mẹ, con, hoặc chứng cứ chứng minh quan hệ"),
        ],
        "form_schema": [
            *applicant_fields(),
            field("relation", "Yêu cầu nhận", "choice",
                  choices=[["father", "Nhận cha"], ["mother", "Nhận mẹ"], ["child", "Nhận con"]]),
            field("other_name", "Họ, chữ đệm, tên người được nhận", max_length=150),
            field("other_birth_date", "Ngày sinh người được nhận", "past_date"),
            field("other_id", "Số định danh cá nhân người được nhận", "citizen_id",
                  required=False),
        ],
    }],
}
