"""Tách hộ (1.010038), Công an cấp xã.

05 working days (Điều 25 Luật Cư trú). Fee: TT 75/2022/TT-BTC, 10.000 đ at the counter,
5.000 đ online.
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
    "code": "1.010038",
    "slug": "tach-ho",
    "name": "Tách hộ",
    "sector": "Đăng ký, quản lý cư trú",
    "department_kind": "cong_an",
    "versions": [{
        "effective_from": "2025-07-01",
        "legal_basis": legal("Điều 25 Luật Cư trú 2020", RESIDENCE, RESIDENCE_FEES),
        "time_limit": {"kind": "working_days", "value": 5, "note": ""},
        "fee": {"kind": "fixed", "amount": 10000, "online_amount": 5000},
        "online_level": "full",
        "result_type": "Thông báo kết quả tách hộ",
        "documents": [
            document("ct01", "Tờ khai thay đổi thông tin cư trú (mẫu CT01) có ý kiến đồng ý "
                             "của chủ hộ", "original"),
        ],
        "form_schema": [
            *applicant_fields(),
            field("household_head", "Họ, chữ đệm, tên chủ hộ hiện tại",
                  max_length=150, prefill="household.head"),
            field("members", "Những người tách sang hộ mới (họ tên, số định danh)",
                  "textarea", max_length=2000),
        ],
    }],
}
