"""The issue's "done when", driven through the real pages by Debian's headless Chromium: a
visitor composes a report while the phone has no connection, it is sent by itself when the
connection returns, the chairman assigns it, the department's officer answers with a proof
photo, the chairman approves, and the visitor opens the answer through the link the phone
kept and rates it.

Services are called only to set the world up (categories, accounts); the database is read
only outside the browser blocks (see ``langso.testing.browser``).
"""

import re
from io import BytesIO
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from langso.core.models import Department, HistoryEvent, Role
from langso.reports.models import Category, Report
from langso.reports.workflow import State
from langso.testing.browser import browser_session, require_chromium, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-Secret-123"
DESCRIPTION = "Đèn đường trước nhà văn hóa thôn Đồng Bả tắt đã một tuần, buổi tối rất tối."
ANSWER = "Đã thay bóng đèn LED mới và kiểm tra lại đường dây, đèn sáng bình thường."


def _photo(text: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1600, 1200), (40, 60, 90))
    ImageDraw.Draw(image).text((60, 60), text, fill="white")
    out = BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _totp(user: Any) -> str:
    return str(TOTPDevice.objects.create(user=user, name="Điện thoại", confirmed=True).key)


@pytest.fixture
def world(commune: Any, village: Any, make_staff: Any) -> dict[str, Any]:
    require_chromium()  # skip before building anything when the browser is missing
    land = Department.objects.get(commune=commune, kind=Department.Kind.LAND)
    Category.objects.create(commune=commune, code="chieu-sang", department=land,
                            name="Điện chiếu sáng công cộng", group="Hạ tầng")
    Category.objects.create(commune=commune, code="rac-thai", department=land,
                            name="Rác thải, vệ sinh môi trường", group="Môi trường")
    chairman = make_staff(Role.CHAIRMAN, commune)
    chairman.full_name = "Lê Văn Chủ Tịch"
    chairman.save()
    officer = make_staff(Role.SPECIALIST, commune, department_kind=Department.Kind.LAND)
    officer.full_name = "Đỗ Văn Địa Chính"
    officer.save()
    return {"commune": commune, "village": village, "chairman": chairman,
            "officer": officer, "land": land,
            "keys": {u.pk: _totp(u) for u in (chairman, officer)}}


def _wait_for_state(page: Any, label: str, action: str = "") -> None:
    from playwright.sync_api import TimeoutError as PageTimeout

    try:
        page.locator("#main .badge", has_text=label).first.wait_for()
    except PageTimeout:
        form = page.locator(f"#action-{action}") if action else None
        raise AssertionError(
            f"the screen never showed “{label}”:\n" + page.locator("#main").inner_text()[:400]
            + ("\n…\n" + form.inner_text() if form is not None and form.count() else "")
        ) from None


def test_an_offline_report_is_answered_approved_and_rated(live_server: Any,
                                                          world: dict[str, Any]) -> None:
    commune, village = world["commune"], world["village"]
    chairman, officer, keys = world["chairman"], world["officer"], world["keys"]

    with browser_session(live_server.url) as browser:
        visitor = browser.person()
        phone = visitor.context

        # -- the visitor opens the form while online, then loses the connection --
        visitor.goto(f"/xa/{commune.slug}/phan-anh/gui/")
        visitor.wait_for_function("() => window.LangsoOutbox !== undefined")
        phone.set_offline(True)
        visitor.locator("#id_category").select_option(label="Điện chiếu sáng công cộng")
        visitor.locator("#id_description").fill(DESCRIPTION)
        visitor.locator("#id_village").select_option(value=str(village.pk))
        visitor.locator("#id_address").fill("Trước nhà văn hóa thôn")
        visitor.locator("#id_photos").set_input_files(files=[
            {"name": "den-tat.jpg", "mimeType": "image/jpeg", "buffer": _photo("DEN TAT")}])
        visitor.locator("#id_reporter_phone").fill("0987654321")
        visitor.get_by_role("button", name="Gửi phản ánh", exact=True).click()

        # Kept on the phone: the outbox says so, nothing reached the server.
        visitor.locator("#hop-thu-di", has_text="Đang chờ gửi: 1").wait_for()
        assert "PA-" not in visitor.locator("#hop-thu-di").inner_text()

        # -- the connection returns: the phone sends it by itself --
        phone.set_offline(False)
        sent = visitor.locator("#hop-thu-di a[href*='?k=']")
        sent.first.wait_for()
        reporter_link = sent.first.get_attribute("href")
        assert reporter_link and re.search(r"/phan-anh/\d+/\?k=", reporter_link)
        assert "Đang chờ gửi" not in visitor.locator("#hop-thu-di").inner_text()
        # Reloading (the outbox tries again on every load) makes no second report.
        visitor.reload()
        visitor.wait_for_function("() => window.LangsoOutbox !== undefined")

        # -- the chairman accepts it and gives it to the land office --
        leader = browser.person()
        sign_in(leader, chairman.username, PASSWORD, totp_key=keys[chairman.pk])
        leader.goto("/can-bo/phan-anh/")
        leader.get_by_role("link", name=re.compile(r"PA-1\b")).first.click()
        leader.wait_for_url("**/can-bo/phan-anh/*/")
        assert DESCRIPTION in leader.locator("#main").inner_text()
        triage = leader.locator("#action-triage")
        triage.get_by_label("Thông thường").check()
        triage.get_by_label("Bộ phận xử lý").select_option(label=world["land"].name)
        triage.locator("button").click()
        _wait_for_state(leader, str(State.TRIAGED.label))

        # -- the land officer starts, answers with a proof photo --
        desk = browser.person()
        sign_in(desk, officer.username, PASSWORD, totp_key=keys[officer.pk])
        desk.goto("/can-bo/phan-anh/")
        desk.get_by_role("link", name=re.compile(r"PA-1\b")).first.click()
        desk.wait_for_url("**/can-bo/phan-anh/*/")
        desk.locator("#action-start button").click()
        _wait_for_state(desk, str(State.IN_PROGRESS.label))
        answer = desk.locator("#action-draft_answer")
        answer.get_by_label("Nội dung trả lời").fill(ANSWER)
        answer.locator("input[type=file]").set_input_files(files=[
            {"name": "da-sua.jpg", "mimeType": "image/jpeg", "buffer": _photo("DA SUA")}])
        answer.locator("button").click()
        _wait_for_state(desk, str(State.ANSWER_DRAFTED.label), "draft_answer")

        # -- the chairman approves: the answer is published --
        leader.reload()
        leader.locator("#action-approve button").click()
        _wait_for_state(leader, str(State.RESOLVED.label))

        # -- the visitor opens the link the phone kept, reads the answer and rates it --
        visitor.goto(reporter_link)
        answer_box = visitor.locator(".report-answer")
        assert ANSWER in answer_box.inner_text()
        assert answer_box.locator("img").count() >= 1  # the proof photo is public
        assert "0987654321" not in visitor.content()
        visitor.get_by_label("5 sao").check()
        visitor.get_by_label("Nhận xét (không bắt buộc)").fill("Xử lý nhanh, cảm ơn xã.")
        visitor.get_by_role("button", name="Gửi đánh giá").click()
        visitor.wait_for_load_state()
        assert str(State.CLOSED.label) in visitor.locator("main").inner_text()

    report = Report.objects.get(commune=commune)  # exactly one, despite the retries
    assert report.status == State.CLOSED and report.rating == 5
    assert report.source == "app" and report.reporter_phone == "0987654321"
    assert report.village == village and report.department == world["land"]
    steps = list(HistoryEvent.objects.filter(action__startswith="report.")
                 .exclude(action="report.moderate").order_by("pk")
                 .values_list("from_state", "to_state"))
    assert [s for s in steps if s[0] != s[1]] == [
        ("", "new"), ("new", "triaged"), ("triaged", "in_progress"),
        ("in_progress", "answer_drafted"), ("answer_drafted", "answer_approved"),
        ("answer_approved", "resolved"), ("resolved", "closed")]
