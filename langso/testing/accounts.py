"""Test helpers for accounts: the SMS gateway set up for one-time codes, reading the code
out of what was sent, TOTP codes, and a local OpenID Connect provider.

Fixtures (import them into a test module): ``sms``, ``oidc_provider``.
The provider is a real HTTP server speaking the authorization-code flow: ``/authorize``
redirects back with a code, ``/token`` returns an RS256 ``id_token`` (keys at ``/jwks``),
``/userinfo`` returns ``provider.claims``.
"""

import json
import re
import secrets
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from langso.testing.servers import GatewayServer, LocalHTTPServer

# --- SMS --------------------------------------------------------------------------------------

SMS_OK = {"status": "success", "code": "00", "data": {"tranId": 1}}


@pytest.fixture
def sms(db: Any, gateway_server: GatewayServer, settings: Any) -> GatewayServer:
    """The SpeedSMS-format gateway the notifications module sends one-time codes through."""
    settings.SMS_GATEWAY_URL = gateway_server.url + "/index.php/sms/send"
    settings.SMS_GATEWAY_TOKEN = "test-token"  # noqa: S105
    gateway_server.default.body = SMS_OK
    return gateway_server


def sent_texts(gateway: GatewayServer) -> list[str]:
    return [r.json["content"] for r in gateway.requests]


def code_in(text: str) -> str:
    match = re.search(r"\b([0-9]{6})\b", text)
    assert match, text
    return match.group(1)


def last_sms_code(gateway: GatewayServer) -> str:
    return code_in(sent_texts(gateway)[-1])


# --- TOTP -------------------------------------------------------------------------------------

def totp_code(key_hex: str, *, offset_steps: int = 0) -> str:
    """The code an authenticator app shows now (or ``offset_steps`` × 30 s later)."""
    from django_otp.oath import TOTP

    totp = TOTP(bytes.fromhex(key_hex), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + 30 * offset_steps
    return f"{totp.token():06d}"


# --- OpenID Connect provider ------------------------------------------------------------------

class OidcProvider(LocalHTTPServer):
    client_id = "langso-test"
    client_secret = "provider-secret-0123456789"  # noqa: S105 - a test server's secret

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-key-1"
        self.claims: dict[str, Any] = {}
        # Set to make the id_token name another subject than /userinfo (a broken provider).
        self.id_token_subject: str | None = None
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []

    def settings(self) -> dict[str, Any]:
        return {
            "OIDC_ENABLED": True,
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.url + "/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": self.url + "/token",
            "OIDC_OP_USER_ENDPOINT": self.url + "/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": self.url + "/jwks",
            "OIDC_RP_SIGN_ALGO": "RS256",
            "OIDC_RP_SCOPES": "openid profile email phone",
            "OIDC_TIMEOUT": 5,
        }

    def id_token(self, *, sub: str, nonce: str | None) -> str:
        import jwt

        now = int(time.time())
        payload = {"iss": self.url, "sub": sub, "aud": self.client_id, "iat": now,
                   "exp": now + 300}
        if nonce:
            payload["nonce"] = nonce
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid})

    def jwks(self) -> dict[str, Any]:
        from jwt.algorithms import RSAAlgorithm

        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    def start(self) -> "OidcProvider":
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, status: int, body: Any) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                provider.requests.append(("GET", url.path))
                if url.path == "/authorize":
                    if query.get("client_id") != provider.client_id \
                            or query.get("response_type") != "code":
                        self._json(400, {"error": "invalid_request"})
                        return
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = {"nonce": query.get("nonce"),
                                            "redirect_uri": query["redirect_uri"]}
                    target = query["redirect_uri"] + "?" + urlencode(
                        {"code": code, "state": query["state"]})
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.end_headers()
                elif url.path == "/jwks":
                    self._json(200, provider.jwks())
                elif url.path == "/userinfo":
                    bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if bearer not in provider.tokens:
                        self._json(401, {"error": "invalid_token"})
                        return
                    self._json(200, provider.claims)
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), 100_000)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                provider.requests.append(("POST", self.path))
                if self.path != "/token":
                    self._json(404, {"error": "not_found"})
                    return
                grant = provider.codes.pop(form.get("code", ""), None)  # single use
                if (grant is None or form.get("grant_type") != "authorization_code"
                        or form.get("client_id") != provider.client_id
                        or form.get("client_secret") != provider.client_secret
                        or form.get("redirect_uri") != grant["redirect_uri"]):
                    self._json(400, {"error": "invalid_grant"})
                    return
                access = secrets.token_urlsafe(24)
                provider.tokens[access] = grant
                self._json(200, {
                    "access_token": access, "token_type": "Bearer", "expires_in": 300,
                    "id_token": provider.id_token(sub=provider.id_token_subject
                                                  or str(provider.claims.get("sub")),
                                                  nonce=grant["nonce"])})

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._serve(Handler)
        return self


@pytest.fixture
def oidc_provider() -> Iterator[OidcProvider]:
    provider = OidcProvider().start()
    try:
        yield provider
    finally:
        provider.stop()
