"""Account pages under /tai-khoan/ (namespace "accounts")."""

from django.urls import path

from langso.web import accounts

app_name = "accounts"
urlpatterns = [
    path("dang-nhap/", accounts.LoginView.as_view(), name="login"),
    path("dang-nhap/xac-thuc/", accounts.otp_verify, name="otp_verify"),
    path("dang-nhap/thiet-lap-xac-thuc/", accounts.otp_setup, name="otp_setup"),
    path("dang-nhap/bang-ma/", accounts.code_login, name="code_login"),
    path("dang-nhap/bang-ma/xac-nhan/", accounts.code_login_verify, name="code_login_verify"),
    path("dang-xuat/", accounts.LogoutView.as_view(), name="logout"),
    path("tai-khoan/", accounts.profile, name="profile"),
    path("dang-ky/", accounts.signup, name="signup"),
    path("dang-ky/xac-nhan/", accounts.signup_verify, name="signup_verify"),
    path("quen-mat-khau/", accounts.password_reset, name="password_reset"),
    path("quen-mat-khau/xac-nhan/", accounts.password_reset_verify,
         name="password_reset_verify"),
]
