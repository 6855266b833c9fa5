"""Đăng ký khai sinh (1.001193), Ủy ban nhân dân cấp xã.

Time: Điều 16 Luật Hộ tịch ("ngay sau khi nhận đủ giấy tờ"); after 15:00 the next working
day (NĐ 118/2025). Free when registered on time: Điều 11 Luật Hộ tịch.
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
    "code": "1.001193",
    "slug": "dang-ky-khai-sinh",
    "name": "Đăng ký khai sinh",
    "sector": "Hộ tịch",
    "department_kind": "tu_phap_ho_tich",
    "versions": [{
        "effective_from": "2025-07-01",
        "legal_basis": legal("Điều 13–17 Luật Hộ tịch 2014", CIVIL_STATUS, CIVIL_STATUS_FREE),
        "time_limit": {"kind": "same_day", "value": 0,
                       "note": "Ngay trong ngày tiếp nhận hồ sơ; nhận sau 15 giờ thì trả "
                               "trong ngày làm việc tiếp theo."},
        "fee": {"kind": "free", "note": "Miễn lệ phí khi đăng ký khai sinh đúng hạn."},
        "online_level": "full",
        "result_type": "Giấy khai sinh (bản chính) và trích lục khai sinh",
        "documents": [
            document("birth_certificate",
                     "Giấy chứng sinh (hoặc văn bản của người làm chứng, giấy cam đoan về "
                     "việc sinh)"),
            authorisation(),
        ],
        "form_schema": [
            *applicant_fields(),
            field("relation", "Quan hệ với người được khai sinh", "choice",
                  choices=[["father", "Cha"], ["mother", "Mẹ"], ["grandparent", "Ông, bà"],
                           ["relative", "Người thân thích khác"]]),
            field("child_name", "Họ, chữ đệm, tên của trẻ", max_length=150),
            field("child_birth_date", "Ngày, tháng, năm sinh của trẻ", "past_date"),
            field("child_sex", "Giới tính", "choice", choices=SEX_CHOICES),
            field("child_ethnicity", "Dân tộc", max_length=50),
            field("child_birth_place", "Nơi sinh", max_length=255),
            field("child_home_town", "Quê quán", max_length=255),
            field("mother_name", "Họ, chữ đệm, tên người mẹ", max_length=150),
            field("mother_id", "Số định danh cá nhân của mẹ", "citizen_id", required=False),
            field("father_name", "Họ, chữ đệm, tên người cha", required=False,
                  max_length=150),
            field("father_id", "Số định danh cá nhân của cha", "citizen_id",
                  required=False),
            field("copies", "Số bản sao trích lục đề nghị cấp", "number", required=False,
                  min=0, max=20),
        ],
    }],
}
