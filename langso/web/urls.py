from django.urls import path

from langso.web import calendar_views, household_views, uploads, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("ngon-ngu/<str:code>/", views.language, name="language"),
    path("xa/<slug:slug>/", views.commune_home, name="commune_home"),
    path("can-bo/", views.staff_home, name="staff_home"),
    path("can-bo/cong-dan/", views.person_list, name="person_list"),
    path("can-bo/cong-dan/them/", views.person_create, name="person_create"),
    path("can-bo/cong-dan/<int:pk>/", views.person_detail, name="person_detail"),
    path("can-bo/cong-dan/<int:pk>/sua/", views.person_edit, name="person_edit"),
    path("can-bo/cong-dan/<int:person_pk>/lap-ho/", household_views.household_create,
         name="household_create"),
    path("can-bo/ho-gia-dinh/<int:pk>/", household_views.household_detail,
         name="household_detail"),
    path("can-bo/ho-gia-dinh/<int:pk>/thanh-vien/", household_views.household_member_add,
         name="household_member_add"),
    path("can-bo/ho-gia-dinh/<int:pk>/thanh-vien/<int:member_pk>/xoa/",
         household_views.household_member_remove, name="household_member_remove"),
    path("can-bo/thon/", views.village_list, name="village_list"),
    path("can-bo/thon/<int:pk>/", views.village_edit, name="village_edit"),
    path("can-bo/nhat-ky/", views.history_list, name="history_list"),
    path("can-bo/lich-lam-viec/", calendar_views.calendar_view, name="calendar"),
    path("can-bo/lich-lam-viec/gio-lam-viec/", calendar_views.office_hours_edit,
         name="calendar_hours"),
    path("can-bo/lich-lam-viec/dieu-chinh/<int:pk>/xoa/", calendar_views.override_delete,
         name="calendar_override_delete"),
    path("tep/<uuid:public_id>/", uploads.stored_file, name="stored_file"),
]
