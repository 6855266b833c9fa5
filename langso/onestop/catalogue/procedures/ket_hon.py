"""Đăng ký kết hôn (1.000894), công dân Việt Nam cư trú trong nước.

Time: Điều 18 Luật Hộ tịch (ngay sau khi nhận đủ giấy tờ; cần xác minh thì không quá 05 ngày
làm việc). Both must come to sign the register, so online is "một phần". Free: Điều 11.
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
    "code": "1.000894",
    "slug": "dang-ky-ket-hon",
    "name": "Đăng ký kết hôn",
    "sector": "Hộ tịch",
    "department_kind": "tu_phap_ho_tich",
    "versions": [{
        "effective_from": "2025-07-01",
        "legal_basis": legal("Điều 17–18 Luật Hộ tịch 2014",
                             "Luật Hôn nhân và gia đình 2014", CIVIL_STATUS,
                             CIVIL_STATUS_FREE),
        "time_limit": {"kind": "same_day", "value": 0,
                       "note": "Ngay trong ngày; trường hợp cần xác minh điều kiện kết hôn "
                               "không quá 05 ngày làm việc. Hai bên nam, nữ có mặt khi "
                               "trao Giấy chứng nhận kết hôn."},
        "fee": {"kind": "free",
                "note": "Miễn lệ phí đối với công dân Việt Nam cư trú ở trong nước."},
        "online_level": "partial",
        "result_type": "Giấy chứng nhận kết hôn (mỗi bên một bản chính)",
        "documents": [
            document("marital_status",
                     "Giấy xác nhận tình trạng hôn nhân (khi đăng ký tại xã không phải nơi "
                     "thường trú)", required=False),
        ],
        "form_schema": [
            *applicant_fields(),
            field("applicant_ethnicity", "Dân tộc của người yêu cầu", max_length=50),
            field("partner_name", "Họ, chữ đệm, tên bên kia", max_length=150),
            field("partner_birth_date", "Ngày sinh bên kia", "past_date"),
            field("partner_id", "Số định danh cá nhân bên kia", "citizen_id"),
            field("partner_ethnicity", "Dân tộc bên kia", max_length=50),
            field("partner_address", "Nơi cư trú bên kia", max_length=255),
            field("first_marriage", "Đây là lần kết hôn thứ mấy của người yêu cầu", "number",
                  min=1, max=20),
            field("declaration", "Tôi cam đoan hai bên tự nguyện kết hôn, đủ điều kiện kết "
                                 "hôn theo Luật Hôn nhân và gia đình", "checkbox"),
        ],
    }],
}
