"""Demo field reports for ``manage.py load_demo``: the default categories, reports across
the villages in every state a report rests in, with their public steps, answers and proof
photos, and a trained category suggester.

Every report goes through the real services (numbering, clock, history, public steps),
back-dated over the last weeks. Fictional data; never in production.
"""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.utils import timezone

from langso.core.clock import WorkingClock
from langso.core.models import Commune, Department, Membership, Role, User, Village
from langso.core.models.uploads import StoredFileKind
from langso.core.uploads.content import clean_photo
from langso.core.uploads.services import store_checked
from langso.reports import classifier, services
from langso.reports.defaults import default_categories
from langso.reports.models import (
    Category,
    MediaKind,
    MediaStatus,
    RejectReason,
    Report,
    ReportMedia,
    Severity,
)


@dataclass(frozen=True)
class Planned:
    category: str  # default category code
    stop: str  # new, triaged, in_progress, answer_drafted, resolved, rated, expired,
    #            reopened, or rejected:<reason>
    days_ago: int  # working days before today it was sent
    text: str
    address: str = ""
    photo: bool = True


# The officers of the demo answer for "Địa chính – Xây dựng – Môi trường": reports that go
# further than triage are of its categories.
PLAN: list[Planned] = [
    Planned("duong-giao-thong", "new", 0,
            "Đoạn đường bê tông gần nhà văn hóa bị nứt thành rãnh dài, bánh xe máy dễ bị "
            "kẹt, buổi tối rất nguy hiểm.", "Gần nhà văn hóa"),
    Planned("chieu-sang", "new", 0,
            "Hai bóng đèn đường ở đầu ngõ không sáng mấy hôm nay, các cháu đi học thêm về "
            "phải đi trong tối.", "Đầu ngõ 2"),
    Planned("tieng-on-trat-tu", "new", 1,
            "Quán karaoke cạnh chợ mở nhạc rất to đến quá 23 giờ, đề nghị xã nhắc nhở.",
            "Cạnh chợ", photo=False),
    Planned("rac-thai-moi-truong", "new", 1,
            "Điểm tập kết rác ở cuối xóm đã ba ngày chưa được thu gom, rác tràn ra đường "
            "và bốc mùi.", "Cuối xóm"),
    Planned("cay-xanh", "new", 0,
            "Cành cây xà cừ lớn bị gãy sau cơn giông chiều qua, đang treo lơ lửng trên "
            "đường đi.", "Đường trục thôn"),
    Planned("cap-nuoc", "new", 2,
            "Nước máy mấy ngày nay chảy ra đục và có mùi tanh, bà con không dám dùng để "
            "nấu ăn.", "", photo=False),
    Planned("thoat-nuoc-ngap-ung", "triaged", 2,
            "Rãnh thoát nước dọc đường bị bùn đất lấp kín, cứ mưa là nước tràn vào sân "
            "các nhà.", "Ngõ 5"),
    Planned("vat-nuoi-dich-benh", "triaged", 3,
            "Có người vứt xác lợn chết xuống mương đầu thôn, đề nghị thú y xã kiểm tra.",
            "Mương đầu thôn"),
    Planned("chieu-sang", "triaged", 2,
            "Cột đèn chiếu sáng trước cổng trường bị nghiêng sau khi xe tải va phải.",
            "Cổng trường tiểu học"),
    Planned("trat-tu-xay-dung", "triaged", 4,
            "Một hộ đổ cát, đá và gạch chiếm gần nửa lòng đường ngõ đã hơn hai tuần.",
            "Ngõ 3"),
    Planned("duong-giao-thong", "in_progress", 4,
            "Mặt đường liên thôn có nhiều ổ gà liên tiếp, hôm qua một người đi xe máy bị "
            "ngã.", "Đường liên thôn"),
    Planned("rac-thai-moi-truong", "in_progress", 5,
            "Có người đổ trộm phế thải xây dựng ra bãi đất trống cạnh đường vào thôn.",
            "Bãi đất trống đầu thôn"),
    Planned("thoat-nuoc-ngap-ung", "in_progress", 9,
            "Nắp hố ga trên vỉa hè bị vỡ, để lộ hố sâu ngay lối đi của học sinh.",
            "Trước trường mầm non"),
    Planned("trat-tu-xay-dung", "answer_drafted", 6,
            "Công trình nhà ở đang xây không có rào chắn, vật liệu rơi xuống lối đi chung.",
            "Ngõ 7"),
    Planned("duong-giao-thong", "answer_drafted", 7,
            "Tấm đan bắc qua mương bị gãy một nửa, người già và trẻ nhỏ đi qua rất sợ.",
            "Cầu qua mương"),
    Planned("thoat-nuoc-ngap-ung", "answer_drafted", 5,
            "Cống qua đường bị tắc, mưa xuống nước ngập đến đầu gối ở ngã ba.", "Ngã ba"),
    Planned("duong-giao-thong", "resolved", 8,
            "Ổ gà lớn giữa đường trước cổng chợ, xe tải đi qua làm nước bắn vào hàng quán.",
            "Cổng chợ"),
    Planned("rac-thai-moi-truong", "resolved", 10,
            "Rác sinh hoạt bị vứt thành đống ven suối, ruồi nhặng rất nhiều.",
            "Ven suối"),
    Planned("thoat-nuoc-ngap-ung", "resolved", 9,
            "Mương thoát nước đầu xóm đầy bèo và rác, nước không chảy được.", "Đầu xóm"),
    Planned("trat-tu-xay-dung", "resolved", 11,
            "Hàng quán dựng mái che lấn ra lòng đường trước nhà văn hóa.", "Nhà văn hóa"),
    Planned("duong-giao-thong", "rated", 15,
            "Đường ngõ bị sụt lún một mảng lớn sát mép mương sau mấy trận mưa.", "Ngõ 4"),
    Planned("rac-thai-moi-truong", "rated", 18,
            "Bãi rác tự phát ở gốc đa đầu làng ngày càng lớn, đề nghị xã dọn và cắm biển.",
            "Gốc đa đầu làng"),
    Planned("thoat-nuoc-ngap-ung", "rated", 20,
            "Rãnh nước thải hở cạnh trường học bốc mùi và nhiều muỗi.", "Cạnh trường"),
    Planned("trat-tu-xay-dung", "expired", 24,
            "Tường rào mới xây lấn sang lối đi chung, ngõ chỉ còn rộng chưa đến một mét.",
            "Lối đi chung xóm Trên"),
    Planned("duong-giao-thong", "expired", 26,
            "Biển báo khúc cua nguy hiểm bị đổ xuống rãnh, chưa được dựng lại.",
            "Khúc cua dốc"),
    Planned("rac-thai-moi-truong", "reopened", 12,
            "Xe thu gom rác không đến theo lịch, túi rác chất đầy vỉa hè.", "Vỉa hè chợ"),
    Planned("duong-giao-thong", "reopened", 13,
            "Đoạn đường mới vá đã bong tróc trở lại, đá dăm văng ra mặt đường.",
            "Đường trục thôn"),
    Planned("khac", "rejected:spam", 3, "Bán đất nền giá rẻ, liên hệ ngay để được chiết "
            "khấu cao, cơ hội đầu tư không thể bỏ lỡ!!!", "", photo=False),
    Planned("duong-giao-thong", "rejected:duplicate", 4,
            "Đường liên thôn nhiều ổ gà quá, đi xe máy xóc không chịu được.",
            "Đường liên thôn", photo=False),
    Planned("khac", "rejected:not_responsible", 6,
            "Đề nghị xây thêm một trường đại học ở gần đây cho con em đi học đỡ xa.", "",
            photo=False),
    Planned("cay-xanh", "rejected:insufficient", 5,
            "Cây bị đổ, nguy hiểm quá.", "", photo=False),
]

ANSWERS = {
    "duong-giao-thong": "Ngày {date}, bộ phận Địa chính – Xây dựng đã kiểm tra hiện trường "
                        "và phối hợp với tổ duy tu vá lại mặt đường bằng bê tông. Đường đã "
                        "đi lại bình thường. Cảm ơn bạn đã phản ánh.",
    "rac-thai-moi-truong": "Ngày {date}, tổ vệ sinh môi trường đã thu gom toàn bộ rác tại "
                           "vị trí phản ánh và nhắc nhở các hộ xung quanh đổ rác đúng giờ, "
                           "đúng nơi quy định.",
    "thoat-nuoc-ngap-ung": "Ngày {date}, xã đã tổ chức nạo vét, khơi thông đoạn rãnh và lắp "
                           "lại nắp hố ga; nước đã thoát bình thường.",
    "trat-tu-xay-dung": "Ngày {date}, bộ phận Địa chính – Xây dựng đã kiểm tra, lập biên "
                        "bản và yêu cầu chủ hộ tháo dỡ phần lấn chiếm, trả lại lối đi chung.",
}
REJECT_NOTES: dict[str, str] = {
    RejectReason.SPAM: "Nội dung quảng cáo, không phải phản ánh.",
    RejectReason.NOT_RESPONSIBLE: "Việc mở trường đại học không thuộc thẩm quyền của Ủy ban "
                                  "nhân dân xã.",
    RejectReason.INSUFFICIENT: "Chưa rõ vị trí cây đổ; đề nghị gửi lại kèm ảnh hoặc địa chỉ "
                               "cụ thể.",
}
REPORTERS = ["Nguyễn Văn Hùng", "Trần Thị Mai", "Lê Văn Thắng", "Phạm Thị Hoa", "", "Đỗ Văn Long",
             "Hoàng Thị Yến", ""]
# Roughly the middle of each demo commune (core.demo.DEMO_COMMUNES, by code).
CENTRES = {8911: (Decimal("21.4575"), Decimal("105.6440")),
           15469: (Decimal("19.9870"), Decimal("105.6270"))}


def _photo(commune: Commune, kind: str, seed: int) -> ReportMedia:
    """A small picture (no camera here), stored as the background step stores a cleaned
    photo: re-encoded, without metadata, ready."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (640, 480), (150 + rng.randrange(60), 190, 225))
    draw = ImageDraw.Draw(image)
    ground = (95, 90, 85) if kind == MediaKind.PHOTO else (120, 150, 95)
    draw.rectangle((0, 250, 640, 480), fill=ground)
    for _i in range(6):
        x, y = rng.randrange(40, 560), rng.randrange(270, 430)
        draw.ellipse((x, y, x + rng.randrange(30, 90), y + rng.randrange(15, 40)),
                     fill=(60, 55, 50) if kind == MediaKind.PHOTO else (90, 130, 80))
    raw = BytesIO()
    image.save(raw, "JPEG", quality=80)
    raw.seek(0)
    checked = clean_photo(raw, "image/jpeg")
    stored = store_checked(commune=commune, checked=checked, kind=StoredFileKind.PHOTO,
                           original_name=f"anh-{seed}.jpg")
    return ReportMedia.objects.create(commune=commune, kind=kind, status=MediaStatus.READY,
                                      file=stored)


def _member(commune: Commune, role: str, department_kind: str | None = None) -> User | None:
    memberships = Membership.objects.filter(commune=commune, role=role, is_active=True)
    if department_kind:
        memberships = memberships.filter(department__kind=department_kind)
    membership = memberships.select_related("user").order_by("pk").first()
    return membership.user if membership else None


def _sent_at(clock: WorkingClock, index: int, days_ago: int) -> dt.datetime:
    day = timezone.localdate()
    for _i in range(days_ago):
        day -= dt.timedelta(days=1)
        while not clock.is_working_day(day):
            day -= dt.timedelta(days=1)
    return min(clock.opening(day) + dt.timedelta(minutes=25 + 13 * index),
               timezone.now() - dt.timedelta(hours=3))


def demo_reports_load(commune: Commune) -> int:
    """The commune's demo reports, once (the categories and the model are brought up to
    date every time); returns how many reports were created."""
    categories = {c.code: c for c in default_categories(commune)}
    report_settings = services.settings_for(commune)
    centre = CENTRES.get(commune.code)
    if centre is not None and report_settings.south is None:
        lat, lng = centre
        margin = Decimal("0.05")
        report_settings.south, report_settings.north = lat - margin, lat + margin
        report_settings.west, report_settings.east = lng - margin, lng + margin
        report_settings.save(update_fields=["south", "north", "west", "east", "updated_at"])
    created = 0
    if not Report.objects.filter(commune=commune).exists():
        created = _reports(commune, categories, centre)
    classifier.train(commune, cross_validate=False)
    return created


def _reports(commune: Commune, categories: dict[str, Category],
             centre: tuple[Decimal, Decimal] | None) -> int:
    chairman = _member(commune, Role.CHAIRMAN)
    leader = _member(commune, Role.VICE_CHAIRMAN) or chairman
    officer = _member(commune, Role.SPECIALIST, Department.Kind.LAND)
    if chairman is None or leader is None or officer is None:
        return 0
    land = Department.objects.get(commune=commune, kind=Department.Kind.LAND)
    villages = list(Village.objects.filter(commune=commune).order_by("sort_key"))
    citizen = User.objects.filter(person__commune=commune, kind=User.Kind.CITIZEN).first()
    clock = WorkingClock.for_commune(commune)
    rng = random.Random(commune.code)  # fictional, reproducible
    now = timezone.now()
    made: dict[str, Report] = {}
    for index, plan in enumerate(PLAN):
        sent = _sent_at(clock, index, plan.days_ago)
        category = categories[plan.category]
        village = villages[index % len(villages)] if villages else None
        lat = lng = None
        if centre is not None and index % 5 != 4:  # some give only the village and address
            lat = centre[0] + Decimal(rng.randrange(-300, 300)) / 10_000
            lng = centre[1] + Decimal(rng.randrange(-300, 300)) / 10_000
        name = REPORTERS[index % len(REPORTERS)]
        mine = citizen is not None and index % 9 == 0
        report, secret = services.report_submit(
            commune=commune, category=category, description=plan.text, latitude=lat,
            longitude=lng, location_source="map" if lat is not None else "address",
            village=village, address=plan.address, confidential=index % 7 == 3,
            reporter=services.Reporter(user=citizen if mine else None, name=name,
                                       phone=f"09{rng.randrange(10**8):08d}" if name else ""),
            media=[_photo(commune, MediaKind.PHOTO, commune.code * 100 + index)]
            if plan.photo else [], now=sent)
        made.setdefault(plan.category, report)
        step = sent + dt.timedelta(hours=2)
        if plan.stop == "new":
            continue
        if plan.stop.startswith("rejected:"):
            reason = plan.stop.split(":", 1)[1]
            original = made.get(plan.category) if reason == RejectReason.DUPLICATE else None
            services.report_reject(actor=chairman, report=report, reason=reason,
                                   note=REJECT_NOTES.get(reason, ""), duplicate_of=original,
                                   now=step)
            continue
        department = category.department or land
        severity = Severity.URGENT if "nguy hiểm" in plan.text else Severity.NORMAL
        services.report_triage(actor=chairman, report=report, severity=severity,
                               department=department,
                               assignee=officer if department == land else None,
                               now=step)
        if plan.stop == "triaged" or department != land:
            continue
        services.report_start(actor=officer, report=report, now=step + dt.timedelta(hours=1))
        if plan.stop == "in_progress":
            continue
        answered = min(step + dt.timedelta(days=1, hours=2), now - dt.timedelta(hours=1))
        services.report_draft_answer(
            actor=officer, report=report,
            text=ANSWERS[plan.category].format(date=timezone.localtime(answered)
                                               .strftime("%d/%m/%Y")),
            proofs=[_photo(commune, MediaKind.PROOF, commune.code * 100 + 50 + index)],
            now=answered)
        if plan.stop == "answer_drafted":
            continue
        approved = answered + dt.timedelta(minutes=40)
        services.report_approve(actor=leader, report=report, now=approved)
        if plan.stop == "rated":
            services.report_rate(report=report, rating=4 + index % 2, secret=secret,
                                 actor=citizen if mine else None,
                                 comment="Xã xử lý nhanh, cảm ơn các anh." if index % 2 else "",
                                 now=approved + dt.timedelta(days=1))
        elif plan.stop == "expired":
            services.report_close_expired(report=report, now=approved + dt.timedelta(days=8))
        elif plan.stop == "reopened":
            services.report_reopen(report=report, secret=secret,
                                   actor=citizen if mine else None,
                                   reason="Đến nay tình trạng vẫn như cũ, chưa được khắc "
                                          "phục triệt để.",
                                   now=min(approved + dt.timedelta(days=2),
                                           now - dt.timedelta(minutes=30)))
    return len(PLAN)
