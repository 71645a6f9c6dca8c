"""A Bot Framework token issuer on loopback: an OpenID configuration, its key set, and tokens.

The bot's own token check is botframework's production channel validation; with
``MICROSOFT_OPENID_METADATA_URL`` pointing here, it fetches this configuration and these keys
instead of Microsoft's, so tests can sign tokens that the real validator accepts or refuses.

* ``GET <metadata_url>``: ``{"issuer": "https://api.botframework.com", "jwks_uri": ...}``;
* ``GET <jwks_uri>``: the keys, each with its ``kid`` and the channels it is ``endorsements``
  for, as login.botframework.com publishes them: :attr:`TRUSTED_KID` (``msteams``) and
  :attr:`WEBCHAT_KID` (``webchat`` only).

The server runs on an event loop of its own, in a thread: botframework fetches the metadata
with blocking ``requests`` calls from the bot's event loop, which a server on that same loop
could never answer. botframework also caches the metadata per URL for the whole process, so
each issuer serves under a path of its own: tests never see each other's keys.

Usage::

    with FakeOpenIdIssuer() as issuer:
        settings = ...(microsoft_openid_metadata_url=issuer.metadata_url)
        token = issuer.token(app_id, service_url=fake_connector.url)
        ... headers={"Authorization": f"Bearer {token}"}
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from types import TracebackType
from typing import Any, Self

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

JSON = dict[str, Any]

#: The issuer of the tokens the Bot Framework channel sends to bots (the SDK checks it).
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
TRUSTED_KID = "test-key-msteams"
WEBCHAT_KID = "test-key-webchat-only"


def new_key() -> rsa.RSAPrivateKey:
    """A fresh 2048-bit RSA key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwk(key: rsa.RSAPrivateKey, kid: str, endorsements: list[str]) -> JSON:
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**public, "kid": kid, "use": "sig", "endorsements": endorsements}


class FakeOpenIdIssuer:
    """Serves an OpenID configuration and a key set on 127.0.0.1; signs tokens with its keys."""

    def __init__(self) -> None:
        self.key = new_key()
        self.webchat_key = new_key()
        self.keys: list[JSON] = [
            _jwk(self.key, TRUSTED_KID, ["msteams", "webchat", "emulator"]),
            _jwk(self.webchat_key, WEBCHAT_KID, ["webchat"]),
        ]
        self.path = f"/{uuid.uuid4().hex}"  # botframework caches metadata per URL, per process
        self.requests: list[str] = []
        self._port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    # --- serving ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Where the issuer is served."""
        return f"http://127.0.0.1:{self._port}{self.path}"

    @property
    def metadata_url(self) -> str:
        """The OpenID configuration (``MICROSOFT_OPENID_METADATA_URL``)."""
        return f"{self.base_url}/v1/.well-known/openidconfiguration"

    async def _configuration(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        return web.json_response(
            {
                "issuer": BOT_FRAMEWORK_ISSUER,
                "authorization_endpoint": f"{self.base_url}/authorize",
                "jwks_uri": f"{self.base_url}/v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _key_set(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        return web.json_response({"keys": self.keys})

    def start(self) -> None:
        """Serve on a free loopback port, from a thread with its own event loop."""
        ready = threading.Event()
        failed: list[BaseException] = []

        async def serve() -> None:
            app = web.Application()
            app.router.add_get(
                f"{self.path}/v1/.well-known/openidconfiguration", self._configuration
            )
            app.router.add_get(f"{self.path}/v1/.well-known/keys", self._key_set)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            self._port = int(sock.getsockname()[1])
            await web.SockSite(self._runner, sock).start()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(serve())
            except BaseException as exc:  # reported to start()
                failed.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            if self._runner is not None:
                loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-openid", daemon=True)
        self._thread.start()
        ready.wait(timeout=30)
        if failed:
            raise failed[0]

    def stop(self) -> None:
        """Stop serving."""
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
        self._loop = None
        self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- tokens ----------------------------------------------------------------------------

    @staticmethod
    def claims(app_id: str, service_url: str, **overrides: Any) -> JSON:
        """The claims of a token the Teams channel would send: overrides win (None drops)."""
        now = int(time.time())
        claims: JSON = {
            "serviceurl": service_url,
            "nbf": now - 10,
            "exp": now + 3600,
            "iss": BOT_FRAMEWORK_ISSUER,
            "aud": app_id,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(
        self,
        app_id: str,
        service_url: str,
        *,
        key: rsa.RSAPrivateKey | None = None,
        kid: str = TRUSTED_KID,
        **overrides: Any,
    ) -> str:
        """An RS256 token signed with ``key`` (the trusted one by default) under ``kid``."""
        return jwt.encode(
            self.claims(app_id, service_url, **overrides),
            key or self.key,
            algorithm="RS256",
            headers={"kid": kid},
        )

    def unsigned_token(self, app_id: str, service_url: str, **overrides: Any) -> str:
        """``alg: none``, no signature, under the trusted key id."""
        header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": TRUSTED_KID}).encode())
        payload = _b64(json.dumps(self.claims(app_id, service_url, **overrides)).encode())
        return f"{header}.{payload}."

    def hs256_with_public_key(self, app_id: str, service_url: str) -> str:
        """The classic confusion: HMAC-SHA256 keyed with the trusted *public* key's PEM."""
        secret = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": TRUSTED_KID}).encode())
        payload = _b64(json.dumps(self.claims(app_id, service_url)).encode())
        signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signature)}"
