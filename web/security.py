"""Response headers that make injected markup and framing useless even if escaping were ever missed, and the
guards around the admin token: a minimum length, and throttling of wrong guesses per client address.

The headers are added to every Flask response here, and to waitress's own error responses (a malformed request
or over-long headers never reach Flask) by `web.server`.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque
from collections.abc import Callable

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import TooManyRequests

# No inline scripts or styles anywhere: JavaScript and CSS come from /static only.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

# A token shorter than this is refused: the admin routes stay off (404) and the log says why.
MIN_TOKEN_CHARS = 16
# After this many wrong tokens from one address within the window, every attempt from it answers 429.
MAX_FAILURES = 10
FAILURE_WINDOW = 60.0
# Addresses remembered at most; the oldest is forgotten first, so a flood of addresses cannot exhaust memory.
MAX_CLIENTS = 10_000
_THROTTLE = "searcher.token_throttle"
_throttle_lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.status_code == 429 and "retry_after" in g:
        # Pages that render a 429 themselves (the admin form) keep the header the refusal carried.
        response.headers.setdefault("Retry-After", str(g.retry_after))
    return response


# --- the admin token ----------------------------------------------------------------------------------------


def admin_token_usable(app: Flask) -> bool:
    """Whether the admin routes may be enabled: a token is set and long enough (said in the log if not)."""
    token = app.config.get("ADMIN_TOKEN")
    if not token:
        return False
    if len(str(token)) < MIN_TOKEN_CHARS:
        app.logger.error(
            "admin routes are OFF: SEARCHER_ADMIN_TOKEN has %d characters, at least %d are needed "
            "(for example: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
            "（管理令牌太短，至少需要 %d 个字符，管理功能未启用）",
            len(str(token)), MIN_TOKEN_CHARS, MIN_TOKEN_CHARS,
        )
        return False
    return True


def check_admin_token(given: str | None) -> bool:
    """Compare `given` with the app's token in constant time, refusing (429) an address that guessed wrong
    too often lately; every attempt from it is refused until the window has passed, right token or not."""
    throttle = _throttle()
    client = request.remote_addr or "unknown"
    wait = throttle.retry_after(client)
    if wait:
        g.retry_after = wait
        raise TooManyRequests(
            f"too many wrong admin tokens from this address; try again in {wait} s"
            f"（管理令牌错误次数过多，请 {wait} 秒后再试）",
            retry_after=wait,
        )
    expected = current_app.config.get("ADMIN_TOKEN")
    matched = bool(expected and given) and len(str(expected)) >= MIN_TOKEN_CHARS and hmac.compare_digest(
        str(given).encode("utf-8"), str(expected).encode("utf-8")
    )
    if not matched:
        throttle.failed(client)
    return matched


class Throttle:
    """Wrong guesses per client in a sliding window; thread-safe, bounded in memory."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = FAILURE_WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def failed(self, client: str) -> None:
        with self._lock:
            times = self._failures.pop(client, None) or deque(maxlen=self.limit)
            times.append(self.clock())
            self._failures[client] = times  # re-inserted last: dicts keep insertion order
            while len(self._failures) > MAX_CLIENTS:
                del self._failures[next(iter(self._failures))]

    def retry_after(self, client: str) -> int:
        """Whole seconds until `client` may try again; 0 when it may try now."""
        with self._lock:
            times = self._failures.get(client)
            if not times or len(times) < self.limit:
                return 0
            remaining = times[0] + self.window - self.clock()
            return max(1, int(remaining + 0.999)) if remaining > 0 else 0


def _throttle() -> Throttle:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _throttle_lock:
        throttle = app.extensions.get(_THROTTLE)
        if throttle is None:
            throttle = app.extensions[_THROTTLE] = Throttle(
                int(app.config.get("ADMIN_MAX_FAILURES", MAX_FAILURES)),
                float(app.config.get("ADMIN_FAILURE_WINDOW", FAILURE_WINDOW)),
            )
        return throttle
