"""Đăng ký thường trú (1.004222), Công an cấp xã.

07 working days (khoản 3 Điều 22 Luật Cư trú). Fee: TT 75/2022/TT-BTC, 20.000 đ at the
counter, 10.000 đ online.
"""

from langso.onestop.catalogue.common import (
    RESIDENCE,
    RESIDENCE_FEES,
    applicant_fields,
    document,
    field,
    legal,
)

ENTRY = {
    "code": "1.004222",
    "slug": "dang-ky-thuong-tru",
    "name": "Đăng ký thường trú",
    "sector": "Đăng ký, quản lý cư trú",
    "department_kind": "cong_an",
    "versions": [{
        "effective_from": "2025-07-01",
        "legal_basis": legal("Điều 20–22 Luật Cư trú 2020", RESIDENCE, RESIDENCE_FEES),
        "time_limit": {"kind": "working_days", "value": 7, "note": ""},
        "fee": {"kind": "fixed", "amount": 20000, "online_amount": 10000},
        "online_level": "full",
        "result_type": "Thông báo kết quả đăng ký thường trú; thông tin cập nhật vào Cơ sở dữ "
                       "liệu về cư trú",
        "documents": [
            document("ct01", "Tờ khai thay đổi thông tin cư trú (mẫu CT01) có ý kiến đồng ý "
                             "của chủ hộ, chủ sở hữu chỗ ở hợp pháp", "original"),
            document("residence_proof", "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp",
                     "copy"),
            document("relationship_proof", "Giấy tờ chứng minh quan hệ nhân thân với chủ hộ "
                                           "(nếu nhập vào hộ đã có)", "copy", required=False),
        ],
        "form_schema": [
            *applicant_fields(),
            field("new_address", "Địa chỉ đăng ký thường trú", max_length=255),
            field("household_head", "Họ, chữ đệm, tên chủ hộ", max_length=150,
                  required=False),
            field("relation_to_head", "Quan hệ với chủ hộ", max_length=50, required=False),
            field("reason", "Nội dung đề nghị", "textarea", max_length=1000, required=False),
        ],
    }],
}
