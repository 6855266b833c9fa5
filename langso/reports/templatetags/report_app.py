"""``{% report_app_texts %}``: the offline app's messages in the reader's language, as a
JSON block the scripts read (static/reports/*.js hold no text of their own)."""

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


def texts() -> dict[str, str]:
    return {
        "waiting": _("Đang chờ gửi: {n} phản ánh"),
        "sending": _("Đang gửi…"),
        "saved_offline": _("Chưa có mạng: phản ánh đã được lưu trên điện thoại và sẽ tự gửi "
                           "khi có mạng trở lại."),
        "sent": _("Đã gửi phản ánh {ref}."),
        "link_hint": _("Lưu lại đường liên kết theo dõi (xem kết quả, đánh giá, mở lại):"),
        "failed": _("Không gửi được: {error}"),
        "retry_at": _("thử lại lúc {time}"),
        "send_now": _("Gửi ngay"),
        "remove": _("Xóa"),
        "confirm_remove": _("Xóa phản ánh này khỏi điện thoại? Phản ánh chưa được gửi."),
        "edit": _("Sửa lại"),
        "recent": _("Đã gửi gần đây"),
        "untitled": _("Phản ánh"),
        "shrinking": _("Đang thu nhỏ ảnh…"),
        "too_many_photos": _("Tối đa {n} ảnh."),
        "video_too_big": _("Video quá lớn, tối đa {mb} MB."),
        "video_too_long": _("Video dài {s} giây, tối đa {max} giây."),
        "locating": _("Đang lấy vị trí…"),
        "located": _("Đã lấy vị trí của điện thoại (sai số khoảng {m} m)."),
        "locate_failed": _("Không lấy được vị trí: hãy chọn trên bản đồ, hoặc chọn thôn và "
                           "nhập địa chỉ."),
        "picked": _("Đã chọn vị trí trên bản đồ."),
        "photo_place": _("Đã lấy vị trí từ ảnh."),
        "outside": _("Vị trí này nằm ngoài địa bàn xã. Vẫn gửi với vị trí này? (Chọn “Hủy” "
                     "để bỏ vị trí và chọn thôn, nhập địa chỉ.)"),
        "need_category": _("Vui lòng chọn lĩnh vực phản ánh."),
        "need_description": _("Vui lòng mô tả rõ hơn (ít nhất 10 ký tự)."),
        "need_location": _("Vui lòng cho biết vị trí: chọn trên bản đồ, dùng vị trí của máy, "
                           "hoặc chọn thôn và nhập địa chỉ."),
        "map_failed": _("Không tải được bản đồ; hãy chọn thôn và nhập địa chỉ."),
        "copied": _("Đã sao chép."),
        "error_title": _("Phản ánh chưa gửi được, vui lòng sửa:"),
    }


@register.simple_tag
def report_app_texts() -> SafeString:
    return json_script(texts(), "langso-report-texts")
