"""Log in with a username, a phone number or an e-mail address."""

import contextlib
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db.models import Q

from langso.core.models import User
from langso.core.validators import normalize_phone


class PhoneOrEmailBackend(ModelBackend):
    def authenticate(self, request: Any, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> User | None:
        if not username or not password:
            return None
        lookup = Q(username=username) | Q(email__iexact=username)
        with contextlib.suppress(ValidationError):
            lookup |= Q(phone=normalize_phone(username))
        user = User.objects.filter(lookup).order_by("pk").first()
        if user is None:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


try:
    from mozilla_django_oidc.auth import OIDCAuthenticationBackend

    class OidcBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
        """Province SSO / VNeID slot: matches an existing account by e-mail, never creates staff."""

        def create_user(self, claims: dict[str, Any]) -> User:
            user = User.objects.create_user(
                username=f"oidc-{claims.get('sub')}"[:150],
                email=claims.get("email", ""),
                full_name=claims.get("name", "")[:150],
                kind=User.Kind.CITIZEN,
            )
            return user
except ImportError:  # pragma: no cover - the dependency is always installed
    pass
