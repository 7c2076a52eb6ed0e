"""SMTP delivery: one connection reused for many messages, a rate limit, retries.

- security "none", "starttls" (STARTTLS after EHLO, certificate checked) or "tls"
  (implicit TLS, usually port 465); user from config.toml, password from the environment
  variable named by smtp.password_env.
- rate limit: at most `rate_per_second` message attempts per second, evenly spaced
  (0 turns it off).
- a temporary failure (4xx reply) or a dropped connection is retried with exponential
  backoff on a fresh connection when needed; a permanent failure (5xx) at RCPT or DATA is
  reported as "bounced" and not retried. A 5xx for the sender address or the login is
  the configuration's fault, not the recipient's: it raises DeliveryError.

The library never prints: `send` returns an Outcome for each message.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

from newsfeed.config import SmtpSettings
from newsfeed.errors import ConfigError, DeliveryError


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # "sent", "bounced" (5xx, permanent) or "failed" (still temporary after the retries)
    attempts: int
    detail: str = ""
    unreachable: bool = False  # the server could not be reached at all: stop the run


class RateLimiter:
    """Evenly spaced slots: the n-th call returns no earlier than start + n / rate."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self.next = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.clock()
        if self.next > now:
            self.sleep(self.next - now)
            now = self.next
        self.next = max(now, self.next) + self.interval


class SmtpSender:
    """Use as a context manager; `send` connects lazily and reuses the connection."""

    def __init__(
        self,
        settings: SmtpSettings,
        retries: int = 4,
        backoff: float = 2.0,
        max_backoff: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        local_hostname: str | None = None,
    ):
        self.settings = settings
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep
        self.limiter = RateLimiter(settings.rate_per_second, sleep=sleep)
        self.local_hostname = local_hostname
        self.password = ""
        if settings.user:
            self.password = os.environ.get(settings.password_env, "")
            if not self.password:
                raise ConfigError(
                    f"smtp.user is set but environment variable {settings.password_env} (smtp.password_env) "
                    "is empty; export the SMTP password there"
                )
        self.conn: smtplib.SMTP | None = None
        self.connections = 0  # how many times a connection was opened (reuse check)

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            finally:
                self._drop()

    def _drop(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
        self.conn = None

    def where(self) -> str:
        return f"{self.settings.host}:{self.settings.port} ({self.settings.security})"

    def connect(self) -> smtplib.SMTP:
        """The open connection, or a new one. OSError/SMTPException on failure."""
        if self.conn is not None:
            return self.conn
        s = self.settings
        context = ssl.create_default_context()
        if s.security == "tls":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, self.local_hostname, timeout=s.timeout, context=context)
        else:
            conn = smtplib.SMTP(s.host, s.port, self.local_hostname, timeout=s.timeout)
        try:
            conn.ehlo()
            if s.security == "starttls":
                conn.starttls(context=context)
                conn.ehlo()
            if s.user:
                conn.login(s.user, self.password)
        except smtplib.SMTPAuthenticationError as exc:
            conn.close()
            raise DeliveryError(
                f"SMTP login as {s.user!r} at {self.where()} refused ({exc.smtp_code} {_text(exc.smtp_error)}); "
                f"check smtp.user and the password in {s.password_env}"
            ) from None
        except smtplib.SMTPNotSupportedError:
            conn.close()
            raise DeliveryError(f"{self.where()} does not offer STARTTLS; set smtp.security to \"tls\" or \"none\"") from None
        except BaseException:
            conn.close()
            raise
        self.conn = conn
        self.connections += 1
        return conn

    def ensure_connected(self) -> None:
        """Connect now, retrying with backoff; DeliveryError if the server stays unreachable."""
        last = ""
        for attempt in range(1, self.retries + 2):
            try:
                self.connect()
                return
            except (OSError, smtplib.SMTPException) as exc:
                self._drop()
                last = str(exc) or type(exc).__name__
            if attempt <= self.retries:
                self.sleep(self._delay(attempt))
        raise DeliveryError(f"cannot reach the SMTP server {self.where()} ({last}); check [smtp] host, port and security")

    def _delay(self, attempt: int) -> float:
        return min(self.max_backoff, self.backoff * 2 ** (attempt - 1))

    def send(self, sender: str, recipient: str, data: bytes) -> Outcome:
        """Send one message to one recipient, with the rate limit and the retries."""
        detail = ""
        unreachable = False
        for attempt in range(1, self.retries + 2):
            self.limiter.wait()
            code: int | None = None
            try:
                conn = self.connect()
                unreachable = False
                conn.sendmail(sender, [recipient], data)
                return Outcome("sent", attempt)
            except smtplib.SMTPRecipientsRefused as exc:
                code, message = exc.recipients.get(recipient, next(iter(exc.recipients.values()), (0, b"")))
                detail = f"{code} {_text(message)}"
            except smtplib.SMTPSenderRefused as exc:
                if 500 <= exc.smtp_code < 600:
                    raise DeliveryError(
                        f"the SMTP server refused the sender {sender!r} ({exc.smtp_code} {_text(exc.smtp_error)}); "
                        "fix digest.sender"
                    ) from None
                code, detail = exc.smtp_code, f"{exc.smtp_code} {_text(exc.smtp_error)}"
            except smtplib.SMTPResponseException as exc:  # DATA refused and the like
                code, detail = exc.smtp_code, f"{exc.smtp_code} {_text(exc.smtp_error)}"
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
                detail = f"connection lost: {exc or type(exc).__name__}"
                unreachable = self.conn is None  # failed while connecting, not while sending
                self._drop()
            except smtplib.SMTPException as exc:
                detail = str(exc)
                self._drop()
            if code is not None and 500 <= code < 600:
                self._reset()
                return Outcome("bounced", attempt, detail)
            if code == 421:  # the server is closing the connection
                self._drop()
            else:
                self._reset()
            if attempt <= self.retries:
                self.sleep(self._delay(attempt))
        return Outcome("failed", self.retries + 1, detail, unreachable=unreachable)

    def _reset(self) -> None:
        if self.conn is None:
            return
        try:
            self.conn.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()


def _text(message: bytes | str) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
