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
        """Province SSO / VNeID slot. Which account a provider's user gets is decided by
        ``accounts.oidc_account_for_claims``: citizens only, staff never (they use
        password + TOTP), and no claim ever grants a role."""

        def verify_claims(self, claims: dict[str, Any]) -> bool:
            return bool(claims.get("sub"))

        def get_or_create_user(self, access_token: str, id_token: str,
                               payload: dict[str, Any]) -> User | None:
            from langso.core.errors import DomainError
            from langso.core.services.accounts import oidc_account_for_claims

            claims = self.get_userinfo(access_token, id_token, payload)
            # OpenID Connect Core §5.3.2: the userinfo "sub" must be the ID token's.
            if not isinstance(claims, dict) or not self.verify_claims(claims) \
                    or str(claims.get("sub")) != str(payload.get("sub")):
                return None
            try:
                return oidc_account_for_claims(claims={**payload, **claims})
            except DomainError as error:
                self.request.langso_oidc_error = error.message
                return None
except ImportError:  # pragma: no cover - the dependency is always installed
    pass
