"""Chứng thực bản sao từ bản chính giấy tờ, văn bản (2.000815; one portal lists 2.000907).

Time: Điều 7 NĐ 23/2015/NĐ-CP (trong ngày; sau 15 giờ thì ngày làm việc tiếp theo; nhiều
bản thì kéo dài theo thỏa thuận). Fee: TT 226/2016/TT-BTC, 2.000 đ/trang cho hai trang đầu,
1.000 đ/trang từ trang thứ ba, tối đa 200.000 đ/bản.
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
    "code": "2.000815",
    "slug": "chung-thuc-ban-sao-tu-ban-chinh",
    "name": "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
    "sector": "Chứng thực",
    "department_kind": "tu_phap_ho_tich",
    "versions": [{
        "effective_from": "2025-07-01",
        "legal_basis": legal("Điều 5, 7, 18–21 Nghị định 23/2015/NĐ-CP", CERTIFICATION,
                             CERTIFICATION_FEES),
        "time_limit": {"kind": "same_day", "value": 0,
                       "note": "Trong ngày; nhận sau 15 giờ thì trả trong ngày làm việc tiếp "
                               "theo. Yêu cầu nhiều bản có thể hẹn lại theo thỏa thuận bằng "
                               "văn bản."},
        "fee": {"kind": "per_page", "pages_field": "pages", "copies_field": "copies",
                "first_pages": 2, "first_page_price": 2000, "next_page_price": 1000,
                "cap": 200000},
        "online_level": "partial",
        "result_type": "Bản sao được chứng thực từ bản chính",
        "documents": [
            document("original", "Bản chính giấy tờ, văn bản cần chứng thực (xuất trình khi "
                                 "nhận kết quả)", "original"),
            document("copy", "Bản sao cần chứng thực (nếu tự chuẩn bị)", "copy",
                     required=False),
        ],
        "form_schema": [
            *applicant_fields(),
            field("document_name", "Tên giấy tờ, văn bản cần chứng thực", max_length=255),
            field("pages", "Số trang của giấy tờ", "number", min=1, max=1000),
            field("copies", "Số bản sao cần chứng thực", "number", min=1, max=50),
        ],
    }],
}
