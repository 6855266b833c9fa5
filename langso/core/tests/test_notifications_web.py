"""The inbox page and API: only one's own notifications, mark read, channel choices, bad input."""

import pytest
from django.test import Client
from django.urls import reverse

from langso.core.models import HistoryEvent, Notification, NotificationPreference, Role
from langso.core.notifications import notify
from langso.testing.auth import login_verified

INBOX = "/thong-bao/"
MARK = "/thong-bao/da-doc/"
PREFS = "/thong-bao/tuy-chon/"
API_LIST = "/api/v1/notifications/"
API_MARK = "/api/v1/notifications/mark-read/"
API_PREFS = "/api/v1/notifications/preferences/"


def message(user, commune, title):
    return notify(recipient=user, template="generic", commune=commune,
                  context={"title": title, "message": f"Nội dung {title}"})


@pytest.fixture
def world(citizen, commune, other_commune, make_staff):
    outsider = make_staff(Role.COMMUNE_ADMIN, other_commune)
    mine = [message(citizen, commune, "Thư của Lan 1"), message(citizen, commune, "Thư của Lan 2")]
    theirs = message(outsider, other_commune, "Thư riêng Qxzb")
    return {"citizen": citizen, "outsider": outsider, "mine": mine, "theirs": theirs}


def client_for(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def unread(notification) -> bool:
    notification.refresh_from_db()
    return notification.read_at is None


# --- pages -------------------------------------------------------------------------------------

def test_urls_are_named_in_the_notifications_namespace():
    assert reverse("notifications:inbox") == INBOX
    assert reverse("notifications:mark_read") == MARK
    assert reverse("notifications:preferences") == PREFS


def test_anonymous_visitors_are_sent_to_sign_in(db):
    for url in (INBOX, PREFS):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/tai-khoan/dang-nhap/" in response["Location"]
    assert Client().post(MARK, {"all": "1"}).status_code == 302


def test_a_citizen_sees_only_their_own_notifications(world):
    body = client_for(world["citizen"]).get(INBOX).content.decode()
    assert "Thư của Lan 1" in body and "Thư của Lan 2" in body
    assert "Qxzb" not in body
    assert 'href="/static/web/htmx.min.js"' not in body  # public pages carry no JavaScript


def test_staff_of_another_commune_sees_only_their_own(world):
    body = client_for(world["outsider"]).get(INBOX).content.decode()
    assert "Thư riêng Qxzb" in body
    assert "Thư của Lan" not in body
    assert "htmx.min.js" in body


def test_the_unread_filter_lists_only_unread(world):
    world["mine"][0].read_at = world["mine"][0].created_at
    world["mine"][0].save(update_fields=["read_at"])
    body = client_for(world["citizen"]).get(INBOX + "?chua-doc=1").content.decode()
    assert "Thư của Lan 2" in body
    assert "Thư của Lan 1" not in body


@pytest.mark.parametrize("page", ["abc", "-1", "999999", "1" * 50, "<script>"])
def test_a_malformed_page_number_still_shows_a_page(world, page):
    response = client_for(world["citizen"]).get(INBOX, {"trang": page})
    assert response.status_code == 200


def test_mark_one_read_without_javascript(world):
    first, second = world["mine"]
    response = client_for(world["citizen"]).post(MARK, {"ids": [first.pk]})
    assert response.status_code == 302
    assert response["Location"] == INBOX
    assert not unread(first)
    assert unread(second)


def test_mark_read_with_htmx_returns_the_refreshed_list(world):
    first, _second = world["mine"]
    response = client_for(world["citizen"]).post(MARK, {"ids": [first.pk]},
                                                 HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert f'id="thong-bao-{first.pk}"' in body
    assert not unread(first)


def test_mark_all_read_touches_only_ones_own(world):
    client_for(world["citizen"]).post(MARK, {"all": "1"})
    assert not any(unread(n) for n in world["mine"])
    assert unread(world["theirs"])


def test_someone_elses_notification_cannot_be_marked_read(world):
    response = client_for(world["citizen"]).post(MARK, {"ids": [world["theirs"].pk]})
    assert response.status_code == 302  # nothing reveals that the id exists
    assert unread(world["theirs"])


@pytest.mark.parametrize("data", [
    {},
    {"ids": ""},
    {"ids": "abc"},
    {"ids": "-5"},
    {"ids": "0"},
    {"ids": "1" * 40},
    {"ids": "1; DROP TABLE core_notification"},
    {"ids": [str(i) for i in range(1, 300)]},
    {"all": "no"},
    {"all": "true"},
])
def test_bad_mark_read_input_is_refused_and_changes_nothing(world, data):
    response = client_for(world["citizen"]).post(MARK, data)
    assert response.status_code == 400
    assert all(unread(n) for n in world["mine"])


def test_bad_mark_read_input_by_htmx_gets_a_short_error(world):
    response = client_for(world["citizen"]).post(MARK, {"ids": "x"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "Mã thông báo không hợp lệ." in response.content.decode()


def test_mark_read_only_accepts_post(world):
    assert client_for(world["citizen"]).get(MARK).status_code == 405


def test_preferences_form_saves_the_choices_and_records_history(world):
    client = client_for(world["citizen"])
    assert client.get(PREFS).status_code == 200

    response = client.post(PREFS, {"email": "on", "zalo": "on", "quiet_start": "21:30",
                                   "quiet_end": "06:00", "language": "en"})

    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=world["citizen"])
    assert (pref.email, pref.sms, pref.zalo, pref.language) == (True, False, True, "en")
    assert (pref.quiet_start.isoformat(), pref.quiet_end.isoformat()) == ("21:30:00",
                                                                          "06:00:00")
    event = HistoryEvent.objects.get(action="notification_preference.update")
    assert event.data["after"]["quiet_start"] == "21:30"
    assert "Nguyễn" not in event.object_repr  # personal data stays out of the log


@pytest.mark.parametrize(("data", "field"), [
    ({"language": ""}, "language"),
    ({"language": "xx"}, "language"),
    ({"language": "vi" * 500}, "language"),
    ({"language": "vi", "quiet_start": "25:99", "quiet_end": "06:00"}, "quiet_start"),
    ({"language": "vi", "quiet_start": "<script>", "quiet_end": "06:00"}, "quiet_start"),
    ({"language": "vi", "quiet_start": "21:00"}, "quiet_end"),
    ({"language": "vi", "quiet_end": "06:00"}, "quiet_start"),
    ({"language": "vi", "quiet_start": "21:00", "quiet_end": "21:00"}, "quiet_end"),
])
def test_bad_preferences_are_refused_and_nothing_is_saved(world, data, field):
    response = client_for(world["citizen"]).post(PREFS, data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not NotificationPreference.objects.filter(user=world["citizen"]).exists()
    assert not HistoryEvent.objects.filter(action="notification_preference.update").exists()


def test_staff_nav_links_to_the_inbox(world):
    body = client_for(world["outsider"]).get(INBOX).content.decode()
    assert f'href="{INBOX}" aria-current="page"' in body


# --- API -----------------------------------------------------------------------------------------

def test_api_requires_sign_in(db):
    client = Client()
    assert client.get(API_LIST).status_code in (401, 403)
    assert client.post(API_MARK, {"all": True}, content_type="application/json"
                       ).status_code in (401, 403)
    assert client.put(API_PREFS, {}, content_type="application/json").status_code in (401, 403)


def test_api_lists_only_ones_own_notifications(world):
    data = client_for(world["citizen"]).get(API_LIST).json()
    assert data["count"] == 2
    assert [n["subject"] for n in data["results"]] == ["Thư của Lan 2", "Thư của Lan 1"]
    assert all(not n["is_read"] for n in data["results"])
    other = client_for(world["outsider"]).get(API_LIST).json()
    assert [n["subject"] for n in other["results"]] == ["Thư riêng Qxzb"]


def test_api_marks_own_notifications_read_and_ignores_others(world):
    first, _second = world["mine"]
    response = client_for(world["citizen"]).post(
        API_MARK, {"ids": [first.pk, world["theirs"].pk]}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"updated": 1, "unread": 1}
    assert not unread(first)
    assert unread(world["theirs"])
    listed = client_for(world["citizen"]).get(API_LIST + "?unread=1").json()
    assert [n["id"] for n in listed["results"]] == [world["mine"][1].pk]


@pytest.mark.parametrize("payload", [
    {},
    {"ids": []},
    {"ids": "1"},
    {"ids": ["abc"]},
    {"ids": [0]},
    {"ids": [-1]},
    {"ids": [2**70]},
    {"ids": list(range(1, 300))},
    {"ids": [{"$gt": 0}]},
    {"all": "perhaps"},
    {"all": False},
])
def test_api_refuses_bad_mark_read_input(world, payload):
    response = client_for(world["citizen"]).post(API_MARK, payload,
                                                 content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert all(unread(n) for n in world["mine"])


def test_api_refuses_malformed_json(world):
    response = client_for(world["citizen"]).post(API_MARK, "{not json",
                                                 content_type="application/json")
    assert response.status_code == 400
    assert all(unread(n) for n in world["mine"])


def test_api_preferences_read_and_write(world):
    client = client_for(world["citizen"])
    assert client.get(API_PREFS).json() == {"email": True, "sms": True, "zalo": False,
                                            "quiet_start": None, "quiet_end": None,
                                            "language": "vi"}

    response = client.put(API_PREFS, {"email": False, "sms": True, "zalo": True,
                                      "quiet_start": "22:00", "quiet_end": "05:30",
                                      "language": "vi"}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["quiet_start"] == "22:00"
    pref = NotificationPreference.objects.get(user=world["citizen"])
    assert (pref.email, pref.zalo) == (False, True)
    # The other user's choices are their own
    assert client_for(world["outsider"]).get(API_PREFS).json()["zalo"] is False


@pytest.mark.parametrize("payload", [
    {},
    {"email": True, "sms": True, "zalo": True},
    {"email": "maybe", "sms": True, "zalo": True, "language": "vi"},
    {"email": True, "sms": True, "zalo": True, "language": "fr"},
    {"email": True, "sms": True, "zalo": True, "language": "vi", "quiet_start": "22:00"},
    {"email": True, "sms": True, "zalo": True, "language": "vi", "quiet_start": "7pm",
     "quiet_end": "06:00"},
    {"email": True, "sms": True, "zalo": True, "language": "vi" * 1000},
    {"email": True, "sms": True, "zalo": True, "language": "vi", "user": 1, "person": 1},
])
def test_api_refuses_bad_preferences(world, payload):
    response = client_for(world["citizen"]).put(API_PREFS, payload,
                                                content_type="application/json")
    if "user" in payload:  # unknown fields are ignored, never used to pick the owner
        assert response.status_code == 200
        assert NotificationPreference.objects.get().user == world["citizen"]
        return
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert not NotificationPreference.objects.exists()


def test_notification_ids_are_not_readable_across_users(world):
    # No endpoint takes a notification id in its path: the only ways in are one's own lists.
    theirs = world["theirs"]
    body = client_for(world["citizen"]).get(API_LIST).content.decode()
    assert str(theirs.subject) not in body
    assert Notification.objects.filter(user=world["citizen"]).count() == 2


def test_every_page_header_links_to_the_inbox_with_the_unread_count(world):
    body = client_for(world["citizen"]).get("/tai-khoan/tai-khoan/").content.decode()
    assert f'<a href="{INBOX}">Thông báo (2)</a>' in body


def test_anonymous_pages_have_no_inbox_link(db):
    body = Client().get("/").content.decode()
    assert INBOX not in body
