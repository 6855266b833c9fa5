"""formschema: a schema is checked before it is stored, and a form's values are cleaned
with one Vietnamese message per bad field."""

import datetime as dt
from typing import Any

import pytest

from langso.core.errors import DomainError
from langso.onestop import formschema
from langso.onestop.forms import ApplicationForm

TODAY = dt.date(2026, 11, 23)
SCHEMA: list[dict[str, Any]] = [
    {"name": "full_name", "label": "Họ tên", "type": "text", "required": True,
     "max_length": 20},
    {"name": "note", "label": "Ghi chú", "type": "textarea"},
    {"name": "born", "label": "Ngày sinh", "type": "past_date", "required": True},
    {"name": "event", "label": "Ngày sự kiện", "type": "date"},
    {"name": "pages", "label": "Số trang", "type": "number", "min": 1, "max": 50},
    {"name": "sex", "label": "Giới tính", "type": "choice",
     "choices": [["male", "Nam"], ["female", "Nữ"]]},
    {"name": "cid", "label": "Số định danh", "type": "citizen_id"},
    {"name": "phone", "label": "Điện thoại", "type": "phone"},
    {"name": "email", "label": "Thư", "type": "email"},
    {"name": "pledge", "label": "Tôi cam đoan", "type": "checkbox", "required": True},
]
GOOD = {"full_name": " Lan ", "born": "17/05/1990", "event": "2027-01-02", "pages": "3",
        "sex": "female", "cid": "001190012345", "phone": "+84 912 345 678",
        "email": "Lan@Example.VN", "pledge": "on"}


def clean(**changes: Any) -> dict[str, Any]:
    return formschema.clean_form(SCHEMA, {**GOOD, **changes}, today=TODAY)


def errors_of(**changes: Any) -> dict[str, list[str]]:
    with pytest.raises(DomainError) as info:
        clean(**changes)
    return info.value.field_errors


def test_good_values_are_normalised_and_unknown_keys_dropped():
    assert clean(extra="x") == {
        "full_name": "Lan", "note": "", "born": "1990-05-17", "event": "2027-01-02",
        "pages": 3, "sex": "female", "cid": "001190012345", "phone": "0912345678",
        "email": "lan@example.vn", "pledge": True}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("full_name", "", "Vui lòng nhập thông tin này."),
    ("full_name", "x" * 21, "Tối đa 20 ký tự."),
    ("note", "x" * 2001, "Tối đa 2000 ký tự."),
    ("born", "2026-11-24", "Ngày này không được ở tương lai."),
    ("born", "30/02/1990", "Ngày không hợp lệ (dd/mm/yyyy)."),
    ("born", "1899-12-31", "Ngày không hợp lệ (dd/mm/yyyy)."),
    ("pages", "-1", "Nhập một số nguyên không âm."),
    ("pages", "51", "Tối đa 50."),
    ("pages", "0", "Tối thiểu 1."),
    ("sex", "robot", "Lựa chọn không hợp lệ."),
    ("cid", "12345", "Số định danh cá nhân phải gồm đúng 12 chữ số."),
    ("cid", "999190012345", "Ba chữ số đầu của số định danh không phải mã tỉnh hợp lệ."),
    ("phone", "12345", "Số điện thoại không hợp lệ"),
    ("email", "not-an-email", "Địa chỉ thư điện tử không hợp lệ."),
    ("full_name", "An\x00", "Nội dung có ký tự không hợp lệ."),
    ("pledge", "", "Vui lòng đánh dấu ô này."),
])
def test_each_bad_value_gets_its_message(field, value, message):
    assert message in errors_of(**{field: value})[field][0]


def test_a_future_date_is_fine_where_the_schema_allows_it():
    assert clean(event="2099-01-01")["event"] == "2099-01-01"


def test_data_that_is_not_a_mapping_is_refused():
    with pytest.raises(DomainError):
        formschema.clean_form(SCHEMA, ["full_name"], today=TODAY)  # type: ignore[arg-type]


@pytest.mark.parametrize("schema", [
    "not a list",
    [{"name": "a", "label": "A", "type": "text"}] * 2,
    [{"name": "Bad Name", "label": "A", "type": "text"}],
    [{"name": "a", "label": "A", "type": "html"}],
    [{"name": "a", "label": " ", "type": "text"}],
    [{"name": "a", "label": "A", "type": "choice", "choices": []}],
    [{"name": "a", "label": "A", "type": "choice", "choices": [["x"]]}],
    [{"name": f"f{i}", "label": "A", "type": "text"} for i in range(61)],
    ["field"],
])
def test_malformed_schemas_are_refused(schema):
    with pytest.raises(DomainError):
        formschema.check_schema(schema)


def test_the_web_form_puts_each_message_next_to_its_field():
    form = ApplicationForm({**GOOD, "born": "2099-01-01", "pages": "x"}, schema=SCHEMA,
                           today=TODAY)
    assert not form.is_valid()
    assert form.errors["born"] == ["Ngày này không được ở tương lai."]
    assert form.errors["pages"] == ["Nhập một số nguyên không âm."]


def test_the_web_form_never_reads_a_locked_field_from_the_request():
    form = ApplicationForm({**GOOD, "full_name": "Kẻ Mạo Danh"}, schema=SCHEMA,
                           locked={"full_name": "Nguyễn Thị Lan"}, today=TODAY)
    assert form.is_valid(), form.errors
    assert form.values["full_name"] == "Nguyễn Thị Lan"
    assert form.known[0] == ("Họ tên", "Nguyễn Thị Lan")
    assert "full_name" not in form.raw_values()
    assert "full_name" not in [f.name for f in form.editable_fields()]


def test_a_locked_value_the_schema_refuses_is_named_at_the_top():
    form = ApplicationForm(GOOD, schema=SCHEMA, locked={"cid": "123"}, today=TODAY)
    assert not form.is_valid()
    assert any(e.startswith("Số định danh:") for e in form.non_field_errors())


def test_widgets_follow_the_field_types():
    form = ApplicationForm(schema=SCHEMA, today=TODAY)
    html = str(form["born"]), str(form["sex"]), str(form["phone"]), str(form["full_name"])
    assert 'type="date"' in html[0] and 'max="2026-11-23"' in html[0]
    assert 'type="radio"' in html[1]
    assert 'type="tel"' in html[2]
    assert 'aria-required="true"' in html[3] and 'maxlength="20"' in html[3]
    many = [{"name": "c", "label": "C", "type": "choice",
             "choices": [[str(i), f"Lựa chọn {i}"] for i in range(8)]}]
    assert "<select" in str(ApplicationForm(schema=many)["c"])
