"""API-key authentication: every `/v2/` call carries `X-Kalendra-Key`; a missing or wrong key is
answered 401 with Kalendra's JSON error before anything else is read."""

from __future__ import annotations

import hmac
import json

from starlette.types import ASGIApp, Receive, Scope, Send

from simulators.kalendra.errors import ErrorCode, error_body

__all__ = ["API_KEY_HEADER", "ApiKeyMiddleware"]

API_KEY_HEADER = "X-Kalendra-Key"
_HEADER = API_KEY_HEADER.lower().encode()
_PROTECTED = "/v2/"


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self.app = app
        self._key = api_key.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(_PROTECTED):
            await self.app(scope, receive, send)
            return
        sent = [value for name, value in scope["headers"] if name == _HEADER]
        if len(sent) == 1 and hmac.compare_digest(sent[0], self._key):
            await self.app(scope, receive, send)
            return
        message = f"send a valid API key in {API_KEY_HEADER}" if not sent else "the API key is not valid"
        body = json.dumps(error_body(ErrorCode.UNAUTHORIZED, message)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", API_KEY_HEADER.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
