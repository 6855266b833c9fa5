"""The issue's "done when": one birth registration from the citizen's sign-in to a signed
result she downloads, driven through the real pages by Debian's headless Chromium.

Every step is a click or a typed value in a page the live server renders: sign-in (staff
type their authenticator code), the online form prefilled from the registry, the
officers' worklist and dossier screens (htmx included), the payment panel, the citizen's
dossier page and the public status page, which is reread after each step. Services are
called only to set the world up beforehand (accounts, the catalogue, the bank account,
the fee version). The database is read only outside the browser blocks (see
``langso.testing.browser``).

Birth registration itself is free (Luật Hộ tịch art. 11, and so in the shipped
catalogue); to pay by VietQR the test adds a version of 1.001193 charging 8,000 đồng per
extract copy requested, as a province would by adding a version in the catalogue screen.
"""

import datetime as dt
import re
from io import BytesIO
from typing import Any

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from langso.core.models import Department, Role
from langso.onestop import catalogue_services, vietqr
from langso.onestop.catalogue.loader import catalogue_load
from langso.onestop.models import DocumentForm, Dossier, PaymentStatus, Procedure
from langso.onestop.workflow import State
from langso.signing.pdf import verify_pdf
from langso.signing.render import html_to_pdf
from langso.testing.browser import browser_session, require_chromium, sign_in

pytestmark = [pytest.mark.browser,
              # The live server runs in another thread: the data must be committed. The
              # flush afterwards sends post_migrate, which puts back the national calendar
              # rows (langso/core/apps.py) for the tests that run next in this worker.
              pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-Secret-123"
FEE_PER_COPY = 8000
COPIES = 2
BANK = {"bank_bin": "970415", "bank_account": "113000891100",
        "bank_account_name": "UBND XA TAM DAO"}


def _totp(user: Any) -> str:
    """The hex key of the authenticator app the officer set up."""
    return str(TOTPDevice.objects.create(user=user, name="Điện thoại", confirmed=True).key)


def _photo() -> bytes:
    """A phone photo of the birth certificate (a real JPEG)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), "white")
    ImageDraw.Draw(image).text((40, 40), "GIAY CHUNG SINH", fill="black")
    out = BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _result_draft() -> bytes:
    return html_to_pdf("<h1>GIẤY KHAI SINH</h1><p>Họ, chữ đệm, tên: Trần Minh Khang</p>"
                       "<p>Ngày sinh: 10/11/2026 · Giới tính: Nam</p>")


@pytest.fixture
def world(commune: Any, village: Any, citizen: Any, make_person: Any, make_staff: Any,
          justice: Department) -> dict[str, Any]:
    require_chromium()  # skip before building anything when the browser is missing
    catalogue_load()
    birth = Procedure.objects.get(code="1.001193")
    shipped = birth.versions.get(number=1)
    assert shipped.fee["kind"] == "free"
    province_admin = make_staff(Role.PROVINCE_ADMIN, commune)
    paid = catalogue_services.procedure_version_create(
        actor=province_admin, procedure=birth,
        reason="Thu phí cấp bản sao trích lục theo số bản đề nghị",
        **{**catalogue_services.rules_of(shipped),
           "effective_from": timezone.localdate(),
           "legal_basis": shipped.legal_basis + " Phí cấp bản sao trích lục hộ tịch: "
                                                "8.000 đồng/bản (Thông tư 281/2016/TT-BTC).",
           "fee": {"kind": "fixed", "amount": FEE_PER_COPY, "per_field": "copies"}})
    chairman = make_staff(Role.CHAIRMAN, commune)
    catalogue_services.office_settings_update(
        actor=chairman, commune=commune, organ_code=str(commune.code),
        office_name="Bộ phận Một cửa xã Tam Đảo", return_place="Trụ sở UBND xã",
        warn_days_before=1, bank_bin=BANK["bank_bin"], bank_account=BANK["bank_account"],
        bank_account_name=BANK["bank_account_name"])
    chairman.full_name = "Lê Văn Chủ Tịch"
    chairman.save()
    officer = make_staff(Role.ONE_STOP_OFFICER, commune)
    officer.full_name = "Phạm Thị Một Cửa"
    officer.save()
    specialist = make_staff(Role.SPECIALIST, commune, department_kind=Department.Kind.JUSTICE)
    specialist.full_name = "Hoàng Văn Tư Pháp"
    specialist.save()
    resident = make_person(commune, "Nguyễn Thị Lan", user=citizen, village=village,
                           citizen_id="001190012345", date_of_birth=dt.date(1990, 5, 17),
                           sex="female", phone="0912345678")
    return {"commune": commune, "procedure": birth, "version": paid, "citizen": citizen,
            "resident": resident, "officer": officer, "specialist": specialist,
            "chairman": chairman, "department": justice,
            "keys": {u.pk: _totp(u) for u in (officer, specialist, chairman)},
            "child_birth": timezone.localdate() - dt.timedelta(days=5)}


def _status_page(page: Any, lookup_code: str) -> dict[str, Any]:
    """The public status page as an anonymous visitor reads it."""
    response = page.goto(f"/tra-cuu/{lookup_code}/")
    assert response.status == 200
    facts = dict(zip(page.locator("dl.facts dt").all_inner_texts(),
                     page.locator("dl.facts dd").all_inner_texts(), strict=True))
    milestones = [re.sub(r"^\d\d/\d\d/\d{4}\s*", "", text)
                  for text in page.locator("ol.timeline li").all_inner_texts()]
    return {"status": facts["Trạng thái"], "facts": facts, "milestones": milestones,
            "html": page.content()}


def _open_from_worklist(page: Any, code: str) -> None:
    page.goto("/can-bo/mot-cua/")
    page.get_by_role("link", name=code, exact=True).click()
    page.wait_for_url("**/can-bo/mot-cua/ho-so/**")
    assert code in page.locator("h1").inner_text()


def _act(page: Any, action: str, expected_state: str) -> None:
    """Press the action's button on the dossier screen (an htmx form: the screen is
    swapped in place) and wait until the screen shows the new state."""
    from playwright.sync_api import TimeoutError as PageTimeout

    page.locator(f"#action-{action} button").click()
    try:
        page.locator("#main .badge", has_text=re.compile(f"^{re.escape(expected_state)}$")
                     ).first.wait_for()
    except PageTimeout:
        form = page.locator(f"#action-{action}")
        raise AssertionError(
            f"{action}: the screen never showed “{expected_state}”:\n"
            + page.locator("#main").inner_text()[:600] + "\n…\n"
            + (form.inner_text() if form.count() else "(no form)")) from None


def test_a_birth_registration_from_sign_in_to_a_signed_result(live_server: Any,
                                                              world: dict[str, Any]) -> None:
    commune, procedure = world["commune"], world["procedure"]
    keys = world["keys"]
    officer, specialist, chairman = world["officer"], world["specialist"], world["chairman"]
    photo, result_pdf = _photo(), _result_draft()
    child_birth = world["child_birth"]
    seen: list[dict[str, Any]] = []  # the status page after each step

    with browser_session(live_server.url) as browser:
        citizen, public = browser.person(), browser.person()
        desk, justice, leader = browser.person(), browser.person(), browser.person()

        # -- the citizen opens the procedure, signs in, finds her details already there --
        citizen.goto(f"/xa/{commune.slug}/thu-tuc/{procedure.slug}/")
        citizen.get_by_role("link", name="Nộp trực tuyến").click()
        assert "/tai-khoan/dang-nhap/" in citizen.url  # the form asks her to sign in first
        citizen.get_by_label("Số điện thoại, thư điện tử hoặc tên đăng nhập").fill(
            "0912345678")
        citizen.get_by_label("Mật khẩu").fill(PASSWORD)
        citizen.get_by_role("button", name="Đăng nhập", exact=True).click()
        citizen.wait_for_url(f"**/xa/{commune.slug}/dich-vu-cong/{procedure.slug}/nop/")
        known = citizen.locator("section[aria-labelledby=da-biet]").inner_text()
        assert "Nguyễn Thị Lan" in known and "001190012345" in known
        # Registry values are shown, not asked: no input holds her name or number.
        assert not citizen.locator("input[value='001190012345']").count()
        assert not citizen.get_by_label("Số định danh cá nhân", exact=True).count()

        # -- she fills in the child, attaches a photo of the birth certificate, submits --
        citizen.get_by_label("Mẹ", exact=True).check()
        citizen.get_by_label("Họ, chữ đệm, tên của trẻ").fill("Trần Minh Khang")
        citizen.get_by_label("Ngày, tháng, năm sinh của trẻ").fill(child_birth.isoformat())
        citizen.get_by_label("Nam", exact=True).check()
        citizen.get_by_label("Dân tộc").fill("Kinh")
        citizen.get_by_label("Nơi sinh").fill("Trạm Y tế xã Tam Đảo")
        citizen.get_by_label("Quê quán").fill("Tam Đảo, Phú Thọ")
        citizen.get_by_label("Họ, chữ đệm, tên người mẹ").fill("Nguyễn Thị Lan")
        citizen.get_by_label("Họ, chữ đệm, tên người cha").fill("Trần Văn Hùng")
        citizen.get_by_label("Số bản sao trích lục đề nghị cấp").fill(str(COPIES))
        citizen.locator("#tai-lieu-birth_certificate input[type=file]").set_input_files(
            files=[{"name": "giay-chung-sinh.jpg", "mimeType": "image/jpeg", "buffer": photo}])
        # The file is stored as soon as it is picked (htmx), before the submission.
        citizen.locator("#tai-lieu-birth_certificate .kept").wait_for()
        citizen.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
        citizen.wait_for_url("**/ho-so-cua-toi/*/da-nop/")
        done = citizen.locator("dl.facts").inner_text()
        code = re.search(r"\b\d+-\d{6}-\d{4}\b", done).group(0)  # type: ignore[union-attr]
        lookup = citizen.locator("dl.facts .secret").inner_text().strip()
        dossier_url = citizen.get_by_role("link", name="Chi tiết hồ sơ").get_attribute("href")

        seen.append(_status_page(public, lookup))
        assert seen[-1]["status"] == "Chờ tiếp nhận"
        assert seen[-1]["milestones"] == ["Nộp hồ sơ"]

        # -- the one-stop officer (password + authenticator code) receives it --
        sign_in(desk, officer.username, PASSWORD, totp_key=keys[officer.pk])
        _open_from_worklist(desk, code)
        assert "Trần Minh Khang" in desk.locator("#form-title + dl").inner_text()
        _act(desk, "receive", "Đã tiếp nhận")
        seen.append(_status_page(public, lookup))
        assert seen[-1]["status"] == "Đã tiếp nhận"
        assert seen[-1]["facts"]["Phí, lệ phí"] == "Chưa nộp"

        # -- the fee as a VietQR code, which the officer confirms once the transfer is in --
        desk.reload()
        panel = desk.locator("#thanh-toan")
        shown_fee = panel.locator("figure.vietqr").inner_text()
        assert "113000891100" in shown_fee and "16.000" in shown_fee
        purpose = panel.locator("figure.vietqr code").inner_text()
        qr_path = panel.locator("svg.vietqr path").first.get_attribute("d")
        citizen.goto(dossier_url)
        assert re.search(r"16[.,]?000 đ · Chưa nộp", citizen.locator("dl.facts").inner_text())
        panel.get_by_label("Chuyển khoản VietQR").check()
        panel.get_by_label("Mã giao dịch").fill("FT26327012345")
        panel.get_by_role("button", name="Xác nhận đã thu phí").click()
        desk.get_by_text("Đã xác nhận thu phí").first.wait_for()
        seen.append(_status_page(public, lookup))
        assert seen[-1]["facts"]["Phí, lệ phí"] == "Đã nộp"

        # -- handed to the justice officer, who drafts the result --
        form = desk.locator("#action-assign")
        form.get_by_label("Bộ phận xử lý").select_option(label=world["department"].name)
        form.get_by_label("Người xử lý").select_option(label=specialist.full_name)
        _act(desk, "assign", "Đã chuyển xử lý")
        seen.append(_status_page(public, lookup))

        sign_in(justice, specialist.username, PASSWORD, totp_key=keys[specialist.pk])
        _open_from_worklist(justice, code)
        _act(justice, "start", "Đang xử lý")
        seen.append(_status_page(public, lookup))
        justice.locator("#action-draft_result").get_by_label(
            "Dự thảo kết quả (tệp PDF)").set_input_files(files=[{
                "name": "giay-khai-sinh.pdf", "mimeType": "application/pdf",
                "buffer": result_pdf}])
        _act(justice, "draft_result", "Chờ lãnh đạo ký duyệt")
        seen.append(_status_page(public, lookup))

        # -- the chairman signs; the one-stop officer releases the result --
        sign_in(leader, chairman.username, PASSWORD, totp_key=keys[chairman.pk])
        _open_from_worklist(leader, code)
        _act(leader, "sign", "Đã ký duyệt")
        seen.append(_status_page(public, lookup))
        desk.reload()
        _act(desk, "release", "Có kết quả, chờ trả")
        seen.append(_status_page(public, lookup))

        # -- the citizen receives it online and downloads the signed result --
        citizen.goto(dossier_url)
        citizen.get_by_role("button", name="Nhận kết quả").click()
        link = citizen.get_by_role("link", name=str(DocumentForm.RESULT.label))
        link.wait_for()
        href = link.get_attribute("href")
        with citizen.expect_response(re.compile(r"/giay-to/result/")) as answer:
            link.click()  # Chromium opens it in its PDF viewer
        assert answer.value.status == 200
        assert answer.value.headers["content-type"] == "application/pdf"
        # The viewer does not hand its bytes to Playwright: the page fetches them again
        # with the citizen's session, as "save" would.
        downloaded = bytes(citizen.evaluate(
            """async (url) => {
                 const answer = await fetch(url, {credentials: "same-origin"});
                 return Array.from(new Uint8Array(await answer.arrayBuffer()));
               }""", href))
        seen.append(_status_page(public, lookup))

    # -- after the browser: what it saw against the database and the signature --
    check = verify_pdf(downloaded)
    assert check.valid, check.message
    assert "Lê Văn Chủ Tịch" in check.signer_name or "Lê Văn Chủ Tịch" in check.reason
    # Signed incrementally: the drafted bytes are kept as they were, the signature appended.
    assert downloaded.startswith(result_pdf) and len(downloaded) > len(result_pdf)

    dossier = Dossier.objects.get(code=code)
    assert dossier.lookup_code == lookup
    assert dossier.version == world["version"]
    assert dossier.status == State.RETURNED
    assert dossier.applicant == world["resident"]
    assert dossier.form_data["applicant_id"] == "001190012345"  # from the registry
    assert dossier.form_data["child_name"] == "Trần Minh Khang"
    assert dossier.fee_amount == FEE_PER_COPY * COPIES
    assert dossier.payment_status == PaymentStatus.PAID
    payment = dossier.payments.get()
    assert (payment.method, payment.amount, payment.reference) == ("vietqr", 16000,
                                                                   "FT26327012345")
    assert dossier.attachments.get().file.content_type == "image/jpeg"
    assert dossier.signed_by == chairman and dossier.assignee == specialist

    # The VietQR code on screen carries the commune's account, the fee and the dossier.
    payload = vietqr.build_payload(bin=BANK["bank_bin"], account=BANK["bank_account"],
                                   amount=16000, purpose=purpose)
    parsed = vietqr.parse_payload(payload)
    assert code in parsed.purpose
    assert qr_path == re.search(r' d="([^"]+)"', vietqr.qr_svg(payload)).group(1)  # type: ignore[union-attr]

    # The status page followed every step, and never showed who she is.
    assert [s["status"] for s in seen] == [
        "Chờ tiếp nhận", "Đã tiếp nhận", "Đã tiếp nhận", "Đã chuyển xử lý", "Đang xử lý",
        "Chờ lãnh đạo ký duyệt", "Đã ký duyệt", "Có kết quả, chờ trả", "Đã trả kết quả"]
    assert seen[-1]["milestones"] == [
        "Nộp hồ sơ", "Tiếp nhận", "Nộp phí, lệ phí", "Chuyển xử lý", "Bắt đầu xử lý",
        "Trình ký kết quả", "Ký duyệt", "Chuyển trả kết quả", "Trả kết quả"]
    for page in seen:
        assert "Nguyễn Thị Lan" not in page["html"] and "001190012345" not in page["html"]
        assert page["facts"]["Người nộp"] == "N*** T*** Lan"
