"""Khai báo tạm vắng (1.003677), Công an cấp xã.

01 working day, at most 02 when complex (Điều 31 Luật Cư trú); no fee.
"""

from langso.onestop.catalogue.common import RESIDENCE, applicant_fields, field, legal

ENTRY = {
    "code": "1.003677",
    "slug": "khai-bao-tam-vang",
    "name": "Khai báo tạm vắng",
    "sector": "Đăng ký, quản lý cư trú",
    "department_kind": "cong_an",
    "versions": [{
        "effective_from": "2025-07-01",
        "legal_basis": legal("Điều 31 Luật Cư trú 2020", RESIDENCE),
        "time_limit": {"kind": "working_days", "value": 1,
                       "note": "Trường hợp phức tạp không quá 02 ngày làm việc."},
        "fee": {"kind": "free"},
        "online_level": "full",
        "result_type": "Phiếu khai báo tạm vắng (mẫu CT03)",
        "documents": [],
        "form_schema": [
            *applicant_fields(),
            field("absent_from", "Tạm vắng từ ngày", "date"),
            field("absent_until", "Đến ngày", "date"),
            field("destination", "Địa chỉ nơi đến", max_length=255),
            field("reason", "Lý do tạm vắng", max_length=255),
        ],
    }],
}
