"""Gia hạn tạm trú (1.002755), Công an cấp xã.

Within 15 days before the stay ends; 03 working days (Điều 28 Luật Cư trú). Fee:
TT 75/2022/TT-BTC, 15.000 đ at the counter, 7.000 đ online.
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
    "code": "1.002755",
    "slug": "gia-han-tam-tru",
    "name": "Gia hạn tạm trú",
    "sector": "Đăng ký, quản lý cư trú",
    "department_kind": "cong_an",
    "versions": [{
        "effective_from": "2025-07-01",
        "legal_basis": legal("Khoản 3 Điều 28 Luật Cư trú 2020", RESIDENCE, RESIDENCE_FEES),
        "time_limit": {"kind": "working_days", "value": 3,
                       "note": "Nộp hồ sơ trong 15 ngày trước khi hết thời hạn tạm trú."},
        "fee": {"kind": "fixed", "amount": 15000, "online_amount": 7000},
        "online_level": "full",
        "result_type": "Thông báo kết quả gia hạn tạm trú",
        "documents": [
            document("ct01", "Tờ khai thay đổi thông tin cư trú (mẫu CT01)", "original"),
        ],
        "form_schema": [
            *applicant_fields(),
            field("temporary_address", "Địa chỉ đang tạm trú", max_length=255),
            field("stay_until", "Gia hạn đến ngày", "date"),
        ],
    }],
}
