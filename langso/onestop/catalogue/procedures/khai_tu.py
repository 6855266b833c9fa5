"""Đăng ký khai tử (1.000656).

Time: Điều 34 Luật Hộ tịch (ngay sau khi nhận đủ giấy tờ; cần xác minh thì không quá 03 ngày
làm việc). Free when on time: Điều 11 Luật Hộ tịch.
"""

from langso.onestop.catalogue.common import (
    CIVIL_STATUS,
    CIVIL_STATUS_FREE,
    SEX_CHOICES,
    applicant_fields,
    authorisation,
    document,
    field,
    legal,
)

ENTRY = {
    "code": "1.000656",
    "slug": "dang-ky-khai-tu",
    "name": "Đăng ký khai tử",
    "sector": "Hộ tịch",
    "department_kind": "tu_phap_ho_tich",
    "versions": [{
        "effective_from": "2025-07-01",
        "legal_basis": legal("Điều 32–34 Luật Hộ tịch 2014", CIVIL_STATUS, CIVIL_STATUS_FREE),
        "time_limit": {"kind": "same_day", "value": 0,
                       "note": "Ngay trong ngày; trường hợp cần xác minh không quá 03 ngày "
                               "làm việc."},
        "fee": {"kind": "free", "note": "Miễn lệ phí khi đăng ký khai tử đúng hạn."},
        "online_level": "full",
        "result_type": "Trích lục khai tử (bản chính)",
        "documents": [
            document("death_notice",
                     "Giấy báo tử hoặc giấy tờ thay giấy báo tử do cơ quan có thẩm quyền cấp"),
            authorisation(),
        ],
        "form_schema": [
            *applicant_fields(),
            field("relation", "Quan hệ với người đã chết", max_length=50),
            field("deceased_name", "Họ, chữ đệm, tên người đã chết", max_length=150),
            field("deceased_id", "Số định danh cá nhân người đã chết", "citizen_id",
                  required=False),
            field("deceased_birth_date", "Ngày sinh người đã chết", "past_date"),
            field("deceased_sex", "Giới tính", "choice", choices=SEX_CHOICES),
            field("death_date", "Ngày chết", "past_date"),
            field("death_place", "Nơi chết", max_length=255),
            field("death_cause", "Nguyên nhân chết", max_length=255),
        ],
    }],
}
