"""Values every page needs: the staff navigation, which follows the user's roles."""

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from langso.core import access

# (permission, url name, label): a link shows only for users who hold the permission.
STAFF_NAV = [
    ("commune.view", "web:staff_home", _("Tổng quan")),
    ("people.view", "web:person_list", _("Công dân")),
    ("village.view", "web:village_list", _("Thôn, tổ dân phố")),
    ("history.view", "web:history_list", _("Nhật ký")),
    ("calendar.manage", "web:calendar", _("Lịch làm việc")),
    ("dossier.view", "onestop:staff_worklist", _("Hồ sơ một cửa")),
    ("dossier.receive", "onestop:counter", _("Tiếp nhận hồ sơ")),
    ("dossier.overview", "onestop:staff_overview", _("Tình hình giải quyết")),
    ("procedure.manage", "onestop:catalogue_manage", _("Danh mục thủ tục")),
    ("onestop.statistics", "onestop:statistics", _("Thống kê một cửa")),
    ("commune.view", "notifications:inbox", _("Thông báo")),
]


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not access.is_staff_user(user):
        return {"staff_nav": []}
    seen, nav = set(), []
    for permission, name, label in STAFF_NAV:
        if name not in seen and access.can(user, permission):
            seen.add(name)
            try:
                nav.append({"url": reverse(name), "label": label})
            except NoReverseMatch:  # a module whose URLs are not installed
                continue
    return {"staff_nav": nav}
