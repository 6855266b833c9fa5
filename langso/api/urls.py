from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from langso.api import accounts, calendar, uploads, views
from langso.core.notifications import api as notifications_api

app_name = "api"
urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("auth/token/", accounts.TokenObtain.as_view(), name="auth_token"),
    path("auth/signup/", accounts.Signup.as_view(), name="auth_signup"),
    path("auth/signup/resend/", accounts.SignupResend.as_view(), name="auth_signup_resend"),
    path("auth/signup/verify/", accounts.SignupVerify.as_view(), name="auth_signup_verify"),
    path("communes/", views.PublicCommuneList.as_view(), name="commune_list"),
    path("me/communes/", views.MyCommuneList.as_view(), name="my_communes"),
    path("villages/", views.VillageListCreate.as_view(), name="village_list"),
    path("people/", views.PersonListCreate.as_view(), name="person_list"),
    path("people/<int:pk>/", views.PersonDetail.as_view(), name="person_detail"),
    path("people/<int:pk>/history/", views.PersonHistory.as_view(), name="person_history"),
    path("history/", views.HistoryList.as_view(), name="history_list"),
    path("calendar/overrides/", calendar.CalendarOverrideCreate.as_view(),
         name="calendar_override_create"),
    path("calendar/overrides/<int:pk>/", calendar.CalendarOverrideDetail.as_view(),
         name="calendar_override_detail"),
    path("calendar/<int:commune_id>/", calendar.WorkingCalendar.as_view(), name="calendar"),
    path("calendar/<int:commune_id>/office-hours/", calendar.CalendarOfficeHours.as_view(),
         name="calendar_office_hours"),
    path("calendar/<int:commune_id>/deadline/", calendar.DeadlineCalculator.as_view(),
         name="calendar_deadline"),
    path("uploads/", uploads.UploadCreate.as_view(), name="upload_create"),
    path("uploads/<uuid:public_id>/", uploads.UploadDetail.as_view(), name="upload_detail"),
    path("uploads/<uuid:public_id>/content/", uploads.UploadContent.as_view(),
         name="upload_content"),
    path("notifications/", notifications_api.NotificationList.as_view(),
         name="notification_list"),
    path("notifications/mark-read/", notifications_api.NotificationMarkRead.as_view(),
         name="notification_mark_read"),
    path("notifications/preferences/",
         notifications_api.NotificationPreferenceDetail.as_view(),
         name="notification_preferences"),
]
