"""The one HTTP client of ``trygghet fetch``: retries with back-off, time-outs, rate limits, offline detection.

Only the standard library (``urllib``): the public sources answer plain HTTPS GET and POST with JSON.

- **Retries**: HTTP 429, 500, 502, 503 and 504, a time-out, a dropped connection and a body shorter than its
  ``Content-Length`` (a partial download) are tried again, ``retries`` times, waiting ``backoff · 2^attempt``
  seconds (capped at ``max_wait``) or the server's ``Retry-After`` when it gives one.
- **Not retried**: 404 and the other 4xx answers say what was asked for and stop (:class:`FetchError`).
- **Offline**: a host name that does not resolve or a connection that is refused raises :class:`OfflineError`
  at once, so ``trygghet fetch`` can say so in one line and keep the last download.
- **Rate limit**: at most ``calls`` requests in any ``window`` seconds (SCB publishes its limit in
  ``/config``; :class:`RateLimit` waits before a call that would exceed it).
"""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from trygghet.data.errors import TrygghetError

__all__ = ["FetchError", "OfflineError", "RateLimit", "Response", "Http", "USER_AGENT"]

USER_AGENT = "trygghet-workbook (public statistics for a municipal crime-prevention report)"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class FetchError(TrygghetError):
    """A download failed or its answer cannot be used; the message names the URL and the fix."""


class OfflineError(FetchError):
    """The source cannot be reached at all (no network, name not resolved, connection refused)."""


@dataclass
class Response:
    url: str
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> object:
        """The body as JSON; a body that is not JSON is a :class:`FetchError` naming the URL."""
        try:
            return json.loads(self.body.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise FetchError(f"{self.url}: the answer is not JSON ({exc.__class__.__name__}: {str(exc)[:80]}); "
                             "the source may have changed its format or be down — try again later") from None


@dataclass
class RateLimit:
    """At most ``calls`` requests in any ``window`` seconds (a sliding window)."""

    calls: int = 10
    window: float = 10.0
    _sent: deque = field(default_factory=deque, repr=False)

    def wait(self, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        now = clock()
        while self._sent and now - self._sent[0] >= self.window:
            self._sent.popleft()
        if len(self._sent) >= self.calls:
            pause = self.window - (now - self._sent[0])
            if pause > 0:
                sleep(pause)
            self._sent.popleft()
        self._sent.append(clock())


@dataclass
class Http:
    """GET and POST with the retry, time-out, rate-limit and offline rules of the module docstring."""

    timeout: float = 30.0
    retries: int = 4
    backoff: float = 1.0
    max_wait: float = 60.0
    user_agent: str = USER_AGENT
    rate: RateLimit | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    log: list[str] = field(default_factory=list)

    def get(self, url: str) -> Response:
        return self._request(url, None)

    def post_json(self, url: str, body: object) -> Response:
        return self._request(url, json.dumps(body, ensure_ascii=False).encode("utf-8"))

    def _request(self, url: str, data: bytes | None) -> Response:
        last = ""
        for attempt in range(self.retries + 1):
            if self.rate is not None:
                self.rate.wait(self.clock, self.sleep)
            headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
            if data is not None:
                headers["Content-Type"] = "application/json"
            request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
            retry_after = None
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    body = answer.read()
                    expected = answer.headers.get("Content-Length")
                    if expected is not None and expected.isdigit() and len(body) != int(expected):
                        raise http.client.IncompleteRead(body, int(expected) - len(body))
                    return Response(url, answer.status, body, dict(answer.headers.items()))
            except urllib.error.HTTPError as exc:
                if exc.code not in RETRY_STATUS:
                    raise FetchError(_refusal(url, exc.code)) from None
                last = f"HTTP {exc.code}"
                retry_after = _seconds(exc.headers.get("Retry-After") if exc.headers else None)
            except urllib.error.URLError as exc:
                reason = exc.reason
                if isinstance(reason, (socket.gaierror, ConnectionRefusedError)):
                    raise OfflineError(f"{_host(url)} cannot be reached ({_reason(reason)})") from None
                if isinstance(reason, (TimeoutError, socket.timeout)):
                    last = f"no answer within {self.timeout:g} s"
                else:
                    last = _reason(reason)
            except (TimeoutError, socket.timeout):
                last = f"no answer within {self.timeout:g} s"
            except http.client.IncompleteRead as exc:
                last = f"the answer broke off after {len(exc.partial)} bytes"
            except (ConnectionResetError, http.client.RemoteDisconnected, http.client.BadStatusLine) as exc:
                last = f"the connection was dropped ({exc.__class__.__name__})"
            if attempt < self.retries:
                wait = retry_after if retry_after is not None else self.backoff * 2 ** attempt
                wait = min(wait, self.max_wait)
                self.log.append(f"{url}: {last}; trying again in {wait:g} s")
                self.sleep(wait)
        raise FetchError(f"{url}: {last} after {self.retries + 1} attempts; try again later "
                         "(the last good download stays in use)")


def _refusal(url: str, code: int) -> str:
    if code == 404:
        return f"{url}: not found (HTTP 404); check the id in the request (a KPI, table or municipality code)"
    if code == 403:
        return f"{url}: refused (HTTP 403), possibly the source's rate limit; wait a minute and try again"
    return f"{url}: refused (HTTP {code}); check the request"


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _host(url: str) -> str:
    return urllib.request.urlparse(url).netloc or url


def _reason(reason: object) -> str:
    if isinstance(reason, BaseException):
        return reason.strerror if getattr(reason, "strerror", None) else (str(reason) or reason.__class__.__name__)
    return str(reason)
