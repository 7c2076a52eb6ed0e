"""SMTP delivery: one connection reused for many messages, a rate limit, one attempt a call.

- security "none", "starttls" (STARTTLS after EHLO, certificate checked) or "tls"
  (implicit TLS, usually port 465); user from config.toml, password from the environment
  variable named by smtp.password_env.
- rate limit: at most `rate_per_second` message attempts per second, evenly spaced
  (0 turns it off).
- `send` makes one attempt and never sleeps: a temporary failure (a 4xx reply, e.g. 451
  greylisting) comes back as `temporary=True`, and the caller decides when to try that
  address again (newsfeed.deliver.sending defers it to the end of the run or to the next
  run, so one greylisted address never holds up the others). A connection that dropped is
  opened again at once and the message sent once more.
- a permanent reply (5xx) is a bounce (the address is suppressed for good) ONLY when it is
  about the recipient: a 5xx to RCPT TO whose enhanced status code (RFC 3463) is 5.1.x (bad
  address) or 5.2.x (mailbox), or a plain 550/551/553 to RCPT TO without an enhanced code.
  Anything else permanent (a 5xx to MAIL FROM or DATA, a 5.7.x policy or blocklist refusal
  even at RCPT, "554 sending IP listed") says something about us or the server, not the
  address: it is a "failed" delivery (`permanent=True`), retried by a later run. The caller
  stops the run after a few of those in a row (newsfeed.deliver.sending).
- DKIM: with [smtp.dkim] configured, `send` signs each message just before it goes out
  (newsfeed.deliver.dkim), the one place every digest and confirmation passes; callers
  hand over the same unsigned bytes as without it.
- a server that refuses the session itself (5xx greeting, EHLO, STARTTLS or AUTH), or that
  cannot be reached, gives an Outcome with `stop=True`: no message can go out now, so the
  caller stops the run. `ensure_connected` (the start of a run) fails at once with the
  error: an unreachable server is not waited for.

The library never prints: `send` returns an Outcome for each message.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

from newsfeed.config import SmtpSettings
from newsfeed.errors import ConfigError, DeliveryError

# RFC 3463 subjects of a permanent reply that are the recipient's: addressing and mailbox.
BOUNCE_SUBJECTS = (1, 2)
# Without an enhanced status code, the RCPT replies that mean "no such recipient" (RFC 5321).
PLAIN_BOUNCE_CODES = (550, 551, 553)
_ENHANCED = re.compile(rb"^\s*([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # "sent", "bounced" (the address is refused for good) or "failed" (retry later)
    attempts: int
    detail: str = ""
    stop: bool = False  # the server cannot take any message now (unreachable, refused the session): stop the run
    permanent: bool = False  # "failed" with a 5xx that is not a bounce: not retried in this run
    temporary: bool = False  # "failed" with a 4xx (or a connection lost twice): try this address again later


def enhanced_code(message: bytes | str) -> tuple[int, int, int] | None:
    """The RFC 3463 status code at the start of a reply text ("5.1.1 ..."), or None."""
    data = message.encode("utf-8", "replace") if isinstance(message, str) else message
    found = _ENHANCED.match(data)
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


def is_bounce(code: int, message: bytes | str) -> bool:
    """True when a reply to RCPT TO says the recipient address itself is bad, for good."""
    if not 500 <= code < 600:
        return False
    enhanced = enhanced_code(message)
    if enhanced is None:
        return code in PLAIN_BOUNCE_CODES
    return enhanced[0] == 5 and enhanced[1] in BOUNCE_SUBJECTS


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


class _Refused(Exception):
    """The server refused the session (greeting, EHLO, STARTTLS, AUTH): a message for the operator."""


class SmtpSender:
    """Use as a context manager; `send` connects lazily and reuses the connection.

    `timeout` overrides smtp.timeout (the web app's confirmation mails wait less)."""

    def __init__(
        self,
        settings: SmtpSettings,
        sleep: Callable[[float], None] = time.sleep,
        local_hostname: str | None = None,
        timeout: float | None = None,
    ):
        self.settings = settings
        self.sleep = sleep
        self.timeout = settings.timeout if timeout is None else timeout
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
        self.signer = None
        if settings.dkim is not None:
            from newsfeed.deliver.dkim import Signer  # dkimpy: only when signing is configured

            self.signer = Signer(settings.dkim)
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
        """The open connection, or a new one.

        OSError/SMTPException when the server cannot be reached or answers with a temporary
        (4xx) reply; _Refused when it refuses the session with a permanent one."""
        if self.conn is not None:
            return self.conn
        s = self.settings
        context = ssl.create_default_context()
        step = "greeting"
        try:
            if s.security == "tls":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, self.local_hostname, timeout=self.timeout, context=context)
            else:
                conn = smtplib.SMTP(s.host, s.port, self.local_hostname, timeout=self.timeout)
        except smtplib.SMTPConnectError as exc:
            if 500 <= exc.smtp_code < 600:
                raise _Refused(f"the SMTP server {self.where()} refused the connection ({exc.smtp_code} {_text(exc.smtp_error)})") from None
            raise
        try:
            step = "EHLO"
            conn.ehlo_or_helo_if_needed()
            if s.security == "starttls":
                step = "STARTTLS"
                if not conn.has_extn("starttls"):
                    raise _Refused(f"{self.where()} does not offer STARTTLS; set smtp.security to \"tls\" or \"none\"")
                conn.starttls(context=context)
                step = "EHLO"
                conn.ehlo_or_helo_if_needed()
            if s.user:
                step = "AUTH"
                if not conn.has_extn("auth"):
                    raise _Refused(f"{self.where()} does not offer SMTP AUTH after {s.security!r}; check smtp.security, or remove smtp.user")
                conn.login(s.user, self.password)
        except smtplib.SMTPAuthenticationError as exc:
            conn.close()
            if 400 <= exc.smtp_code < 500:
                raise
            raise _Refused(
                f"SMTP login as {s.user!r} at {self.where()} refused ({exc.smtp_code} {_text(exc.smtp_error)}); "
                f"check smtp.user and the password in {s.password_env}"
            ) from None
        except smtplib.SMTPResponseException as exc:  # EHLO/HELO or STARTTLS refused
            conn.close()
            if 500 <= exc.smtp_code < 600:
                raise _Refused(f"the SMTP server {self.where()} refused {step} ({exc.smtp_code} {_text(exc.smtp_error)})") from None
            raise
        except smtplib.SMTPNotSupportedError:
            conn.close()
            raise _Refused(f"{self.where()} does not support {step}; check smtp.security and smtp.user") from None
        except BaseException:
            conn.close()
            raise
        self.conn = conn
        self.connections += 1
        return conn

    def ensure_connected(self) -> None:
        """Connect now, or DeliveryError at once with what went wrong: an unreachable server
        or one that refuses the session is reported, not waited for."""
        try:
            self.connect()
        except _Refused as exc:
            raise DeliveryError(f"{exc}; nothing was sent") from None
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise DeliveryError(
                f"cannot reach the SMTP server {self.where()} ({_problem(exc)}); check [smtp] host, port and security, "
                "or start the server; nothing was sent"
            ) from None

    def send(self, sender: str, recipient: str, data: bytes) -> Outcome:
        """One attempt to deliver one message to one recipient (after the rate limit); a
        connection found dropped is opened again and the message sent once more."""
        if self.signer is not None:
            try:
                data = self.signer.sign(data)
            except DeliveryError as exc:
                return Outcome("failed", 0, str(exc), stop=True, permanent=True)
        self.limiter.wait()
        detail = ""
        for attempt in (1, 2):
            try:
                conn = self.connect()
            except _Refused as exc:
                self._drop()
                return Outcome("failed", attempt, str(exc), stop=True, permanent=True)
            except (OSError, smtplib.SMTPException) as exc:
                self._drop()
                return Outcome("failed", attempt, f"cannot reach the SMTP server {self.where()} ({_problem(exc)})", stop=True)
            try:
                conn.sendmail(sender, [recipient], data)
                return Outcome("sent", attempt)
            except smtplib.SMTPRecipientsRefused as exc:
                code, message = exc.recipients.get(recipient, next(iter(exc.recipients.values()), (0, b"")))
                detail = f"RCPT TO: {code} {_text(message)}"
                if 500 <= code < 600:
                    self._reset()
                    if is_bounce(code, message):
                        return Outcome("bounced", attempt, detail)
                    return Outcome("failed", attempt, detail, permanent=True)
                self._after_temporary(code)
                return Outcome("failed", attempt, detail, temporary=True)
            except smtplib.SMTPResponseException as exc:  # MAIL FROM, DATA
                code = exc.smtp_code
                step = "MAIL FROM" if isinstance(exc, smtplib.SMTPSenderRefused) else "DATA" if isinstance(exc, smtplib.SMTPDataError) else "SMTP"
                detail = f"{step}: {code} {_text(exc.smtp_error)}"
                if 500 <= code < 600:
                    self._reset()
                    return Outcome("failed", attempt, detail, permanent=True)
                self._after_temporary(code)
                return Outcome("failed", attempt, detail, temporary=True)
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                detail = f"connection lost: {_problem(exc)}"
                self._drop()  # and once more on a new connection
            except smtplib.SMTPException as exc:
                self._drop()
                return Outcome("failed", attempt, str(exc) or type(exc).__name__, temporary=True)
        return Outcome("failed", 2, detail, temporary=True)

    def _after_temporary(self, code: int) -> None:
        if code == 421:  # the server is closing the connection
            self._drop()
        else:
            self._reset()

    def _reset(self) -> None:
        if self.conn is None:
            return
        try:
            self.conn.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()


def _problem(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _text(message: bytes | str) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
