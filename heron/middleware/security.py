"""Security response headers (nosniff, framing, referrer, COOP, HSTS, CSP).

The header bytes are built once at construction; per request the middleware
only checks which of them the handler already set (those are kept as the
handler wrote them) and appends the rest to the start message.
"""

from __future__ import annotations

from typing import Any

from heron.http.types import ASGIApp, Message, Receive, Scope, Send
from heron.middleware._asgi import RawHeaders, check_bool, check_int, header_value

__all__ = ["SecurityHeaders", "SecurityHeadersMiddleware"]

_FRAME_OPTIONS = frozenset({"DENY", "SAMEORIGIN"})
_REFERRER_POLICIES = frozenset(
    {
        "no-referrer",
        "no-referrer-when-downgrade",
        "origin",
        "origin-when-cross-origin",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
        "unsafe-url",
    }
)
_OPENER_POLICIES = frozenset(
    {"same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none"}
)
_HSTS_PRELOAD_MIN_SECONDS = 31_536_000  # one year, the preload list's minimum


class SecurityHeaders:
    """The validated header set for a set of options, built once.

    ``apply(headers, scheme)`` returns the response headers with the missing security
    headers appended (HSTS only for https); headers already present are kept as they are.
    """

    __slots__ = ("_headers", "_https_headers", "_names")

    def __init__(
        self,
        content_type_options: bool = True,
        frame_options: str | None = "DENY",
        referrer_policy: str | None = "strict-origin-when-cross-origin",
        hsts_seconds: int = 0,
        hsts_include_subdomains: bool = False,
        hsts_preload: bool = False,
        cross_origin_opener_policy: str | None = "same-origin",
        content_security_policy: str | None = None,
    ) -> None:
        headers: RawHeaders = []
        if check_bool("content_type_options", content_type_options):
            headers.append((b"x-content-type-options", b"nosniff"))
        if frame_options:
            value = header_value("frame_options", frame_options).upper()
            if value.decode("latin-1") not in _FRAME_OPTIONS:
                raise ValueError(
                    f"frame_options must be 'DENY', 'SAMEORIGIN' or None, got {frame_options!r}"
                )
            headers.append((b"x-frame-options", value))
        if referrer_policy:
            value = header_value("referrer_policy", referrer_policy)
            policies = [item.strip().lower() for item in referrer_policy.split(",")]
            unknown = [item for item in policies if item not in _REFERRER_POLICIES]
            if unknown:
                raise ValueError(
                    f"referrer_policy has unknown policy {unknown[0]!r}; expected one of "
                    + ", ".join(sorted(_REFERRER_POLICIES))
                )
            headers.append((b"referrer-policy", value))
        if cross_origin_opener_policy:
            value = header_value("cross_origin_opener_policy", cross_origin_opener_policy)
            if cross_origin_opener_policy not in _OPENER_POLICIES:
                raise ValueError(
                    "cross_origin_opener_policy must be one of "
                    + ", ".join(sorted(_OPENER_POLICIES))
                    + f" or None, got {cross_origin_opener_policy!r}"
                )
            headers.append((b"cross-origin-opener-policy", value))
        if content_security_policy is not None:
            value = header_value("content_security_policy", content_security_policy)
            if not value.strip():
                raise ValueError("content_security_policy must not be empty; pass None to omit it")
            headers.append((b"content-security-policy", value))
        https = list(headers)
        seconds = check_int("hsts_seconds", hsts_seconds)
        subdomains = check_bool("hsts_include_subdomains", hsts_include_subdomains)
        if check_bool("hsts_preload", hsts_preload) and (
            not subdomains or seconds < _HSTS_PRELOAD_MIN_SECONDS
        ):
            raise ValueError(
                "hsts_preload needs hsts_include_subdomains=True and "
                f"hsts_seconds >= {_HSTS_PRELOAD_MIN_SECONDS} (one year)"
            )
        if seconds > 0:
            hsts = f"max-age={seconds}"
            if subdomains:
                hsts += "; includeSubDomains"
            if hsts_preload:
                hsts += "; preload"
            https.append((b"strict-transport-security", hsts.encode("ascii")))
        self._headers = headers
        self._https_headers = https
        self._names = frozenset(name for name, _ in https)

    def apply(self, headers: RawHeaders, scheme: str | None) -> RawHeaders:
        """``headers`` plus the security headers it lacks (a new list when any are added)."""
        extra = self._https_headers if scheme == "https" else self._headers
        if not extra:
            return headers
        names = self._names
        for key, _ in headers:
            if key.lower() in names:  # rare: the handler set one of ours itself
                present = {key.lower() for key, _ in headers}
                extra = [item for item in extra if item[0] not in present]
                break
        # A new list: the application may reuse a prebuilt header list.
        return [*headers, *extra] if extra else headers


class SecurityHeadersMiddleware:
    """Add security headers to every HTTP response, never replacing one already set.

    ``Strict-Transport-Security`` is sent only when ``hsts_seconds > 0`` and the
    request came over https; pass ``None``/``False`` to turn a header off. A Heron
    app applies the same headers itself from its ``SECURITY_HEADERS`` setting;
    this middleware is for other ASGI apps (and mounted ones).
    """

    __slots__ = ("app", "headers")

    def __init__(self, app: ASGIApp, **options: Any) -> None:
        self.app = app
        self.headers = SecurityHeaders(**options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        apply = self.headers.apply
        scheme = scope.get("scheme")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": apply(list(message.get("headers", ())), scheme)}
            await send(message)

        await self.app(scope, receive, send_with_headers)
