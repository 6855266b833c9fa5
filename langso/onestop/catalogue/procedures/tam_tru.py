"""Đăng ký tạm trú (1.004194), Công an cấp xã.

03 working days (khoản 3 Điều 28 Luật Cư trú). Fee: TT 75/2022/TT-BTC, 15.000 đ at the
counter, 7.000 đ online (individual or household).
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
    "code": "1.004194",
    "slug": "dang-ky-tam-tru",
    "name": "Đăng ký tạm trú",
    "sector": "Đăng ký, quản lý cư trú",
    "department_kind": "cong_an",
    "versions": [{
        "effective_from": "2025-07-01",
        "legal_basis": legal("Điều 27–28 Luật Cư trú 2020", RESIDENCE, RESIDENCE_FEES),
        "time_limit": {"kind": "working_days", "value": 3, "note": ""},
        "fee": {"kind": "fixed", "amount": 15000, "online_amount": 7000},
        "online_level": "full",
        "result_type": "Thông báo kết quả đăng ký tạm trú",
        "documents": [
            document("ct01", "Tờ khai thay đổi thông tin cư trú (mẫu CT01)", "original"),
            document("residence_proof", "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp (hợp "
                                        "đồng thuê, cho ở nhờ…)", "copy"),
        ],
        "form_schema": [
            *applicant_fields(),
            field("temporary_address", "Địa chỉ đăng ký tạm trú", max_length=255),
            field("stay_until", "Tạm trú đến ngày", "date"),
            field("reason", "Lý do tạm trú", max_length=255),
        ],
    }],
}
