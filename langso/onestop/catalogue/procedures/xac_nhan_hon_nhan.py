"""Cấp Giấy xác nhận tình trạng hôn nhân (1.004873).

03 working days (Điều 22 NĐ 123/2015/NĐ-CP). Fee set by the provincial People's Council.
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
    "code": "1.004873",
    "slug": "xac-nhan-tinh-trang-hon-nhan",
    "name": "Cấp Giấy xác nhận tình trạng hôn nhân",
    "sector": "Hộ tịch",
    "department_kind": "tu_phap_ho_tich",
    "versions": [{
        "effective_from": "2025-07-01",
        "legal_basis": legal("Điều 21–23 Nghị định 123/2015/NĐ-CP", CIVIL_STATUS,
                             CIVIL_STATUS_FEES),
        "time_limit": {"kind": "working_days", "value": 3,
                       "note": "Trường hợp cần xác minh thì kéo dài theo khoản 3 Điều 22 "
                               "Nghị định 123/2015/NĐ-CP."},
        "fee": {"kind": "fixed", "amount": 5000},
        "online_level": "full",
        "result_type": "Giấy xác nhận tình trạng hôn nhân",
        "documents": [
            document("divorce_or_death",
                     "Bản án, quyết định ly hôn hoặc giấy tờ chứng minh vợ/chồng đã chết "
                     "(nếu đã từng kết hôn)", "copy", required=False),
        ],
        "form_schema": [
            *applicant_fields(),
            field("marital_status", "Tình trạng hôn nhân hiện nay", "choice",
                  choices=[["single", "Chưa đăng ký kết hôn với ai"],
                           ["divorced", "Đã ly hôn"], ["widowed", "Vợ/chồng đã chết"],
                           ["married", "Đang có vợ/chồng"]]),
            field("purpose", "Mục đích sử dụng", max_length=255,
                  help="Ví dụ: để đăng ký kết hôn với ông/bà …, tại …"),
            field("copies", "Số bản đề nghị cấp", "number", min=1, max=10),
        ],
    }],
}
