"""Chứng thực chữ ký trong giấy tờ, văn bản (2.000884).

The signer signs in front of the certifying officer (Điều 24 NĐ 23/2015/NĐ-CP), so it is a
counter-only procedure. Fee: 10.000 đ per case (TT 226/2016/TT-BTC).
"""

from langso.onestop.catalogue.common import (
    CERTIFICATION,
    CERTIFICATION_FEES,
    applicant_fields,
    document,
    field,
    legal,
)

ENTRY = {
    "code": "2.000884",
    "slug": "chung-thuc-chu-ky",
    "name": "Chứng thực chữ ký trong giấy tờ, văn bản",
    "sector": "Chứng thực",
    "department_kind": "tu_phap_ho_tich",
    "versions": [{
        "effective_from": "2025-07-01",
        "legal_basis": legal("Điều 23–24 Nghị định 23/2015/NĐ-CP", CERTIFICATION,
                             CERTIFICATION_FEES),
        "time_limit": {"kind": "same_day", "value": 0,
                       "note": "Trong ngày; nhận sau 15 giờ thì trả trong ngày làm việc tiếp "
                               "theo."},
        "fee": {"kind": "fixed", "amount": 10000, "per_field": "cases"},
        "online_level": "counter",
        "result_type": "Giấy tờ, văn bản có lời chứng chữ ký",
        "documents": [
            document("paper", "Giấy tờ, văn bản cần chứng thực chữ ký (người yêu cầu ký "
                              "trước mặt người thực hiện chứng thực)", "original"),
        ],
        "form_schema": [
            *applicant_fields(),
            field("document_name", "Tên giấy tờ, văn bản", max_length=255),
            field("cases", "Số việc chứng thực", "number", min=1, max=50),
        ],
    }],
}
