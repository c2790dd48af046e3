"""Bodies are bounded before they are read (OWASP API4): a request that declares more than the service's
`max_body_bytes` is answered 413 at once, one that sends more is cut off at the limit, and a request with a
body to a route that takes a bearer token is answered 401 before a byte of the body is read when it has no
known token. Routes that stream (the NDJSON import, bounded per line) or authenticate by a signature over the
body (webhooks) say so; every other route is held to the limit.

FastAPI's own `max_body_size` (Starlette's RequestBodyLimitMiddleware) bounds bodies too, but answers a
declared length beyond it with a text/plain "Content Too Large" rather than a problem document, and knows
nothing of tokens; so the bound is kept here, where both are answered alike."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.platform.errors import PayloadTooLarge, Unauthenticated
from shared.platform.problems import error_response
from shared.platform.tokens import TokenVerifier

WITHOUT_BODY = {"GET", "HEAD", "OPTIONS", "DELETE"}


class BodyLimits:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        tokens: TokenVerifier,
        streamed: tuple[str, ...] = (),
        signed: tuple[str, ...] = (),
    ):
        self.app = app
        self.limit = max_body_bytes
        self.tokens = tokens
        self.streamed = streamed  # path prefixes that read their body as a stream, bounded their own way
        self.signed = signed  # path prefixes authenticated by a signature over the body, not a bearer token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in WITHOUT_BODY:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"].removeprefix(scope.get("root_path", ""))  # as the app routes it, if mounted
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        if not path.startswith(self.signed):
            try:
                self.tokens.principal(headers.get("authorization", ""))
            except Unauthenticated as refused:
                await error_response(refused, path)(scope, receive, send)
                return
        if path.startswith(self.streamed):
            await self.app(scope, receive, send)
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            await error_response(PayloadTooLarge(self._too_large()), path)(scope, receive, send)
            return
        await self._bounded(scope, receive, send)

    def _too_large(self) -> str:
        return f"the body is larger than {self.limit} bytes (PERFLEDGER_MAX_BODY_BYTES)"

    async def _bounded(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app, its reads failing once the body outgrows the limit, and its answer then a 413: FastAPI turns
        any failure reading a body it parses into a 400 of its own, which is replaced here."""
        received, exceeded, answered = 0, False, False

        async def bounded_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    exceeded = True
                    raise PayloadTooLarge(self._too_large())
            return message

        async def answer(message: Message) -> None:
            nonlocal answered
            if not exceeded:
                await send(message)
            elif not answered:  # the app's own answer to the failed read is dropped for the 413
                answered = True
                await error_response(PayloadTooLarge(self._too_large()), scope["path"])(scope, receive, send)

        await self.app(scope, bounded_receive, answer)
