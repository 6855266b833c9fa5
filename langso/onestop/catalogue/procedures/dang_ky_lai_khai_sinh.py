"""Đăng ký lại khai sinh (1.004884).

Only when the register and the original certificate are both lost (Điều 24 NĐ 123/2015);
05 working days (Điều 26 NĐ 123/2015). Fee set by the provincial People's Council.
"""

from langso.onestop.catalogue.common import (
    CIVIL_STATUS,
    CIVIL_STATUS_FEES,
    SEX_CHOICES,
    applicant_fields,
    document,
    field,
    legal,
)

ENTRY = {
    "code": "1.004884",
    "slug": "dang-ky-lai-khai-sinh",
    "name": "Đăng ký lại khai sinh",
    "sector": "Hộ tịch",
    "department_kind": "tu_phap_ho_tich",
    "versions": [{
        "effective_from": "2025-07-01",
        "legal_basis": legal("Điều 24–26 Nghị định 123/2015/NĐ-CP", CIVIL_STATUS,
                             CIVIL_STATUS_FEES),
        "time_limit": {"kind": "working_days", "value": 5,
                       "note": "05 ngày làm việc; trường hợp phải xác minh tại nơi đã đăng ký "
                               "khai sinh trước đây thì kéo dài theo Điều 26 Nghị định "
                               "123/2015/NĐ-CP."},
        "fee": {"kind": "fixed", "amount": 5000},
        "online_level": "partial",
        "result_type": "Giấy khai sinh (bản chính)",
        "documents": [
            document("previous_papers",
                     "Bản sao giấy tờ có thông tin khai sinh (giấy khai sinh cũ, học bạ, hồ "
                     "sơ cán bộ…) ", "copy"),
            document("employer_confirmation",
                     "Văn bản xác nhận của thủ trưởng cơ quan (nếu là cán bộ, công chức, "
                     "người trong lực lượng vũ trang)", "original", required=False),
        ],
        "form_schema": [
            *applicant_fields(),
            field("person_name", "Họ, chữ đệm, tên người được đăng ký lại", max_length=150),
            field("person_birth_date", "Ngày sinh", "past_date"),
            field("person_sex", "Giới tính", "choice", choices=SEX_CHOICES),
            field("previous_place", "Nơi đã đăng ký khai sinh trước đây", max_length=255),
            field("declaration", "Tôi cam đoan đã đăng ký khai sinh nhưng không còn lưu giữ "
                                 "được bản chính Giấy khai sinh", "checkbox"),
        ],
    }],
}
