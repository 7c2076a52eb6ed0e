"""The digest as a complete e-mail message (.eml): multipart/alternative, text + HTML, UTF-8.

Render once, personalise cheaply
--------------------------------
`newsfeed.render.digest.render_digest()` does the expensive work (Jinja2 + premailer
inlining, ~50-100 ms) ONCE per distinct section selection and returns a
`newsfeed.editions.RenderedDigest` whose `html` and `text` still hold three placeholder
tokens. Everything in this module is cheap string work on that result, so a sender can
loop over 10,000 subscribers without ever rendering or inlining again:

    edition = editions.select_week(settings, store, now, "2024-W42")     # every section
    chosen = editions.restrict(edition, settings, ("dunia", "nasional"))   # None: nothing to send
    rendered = editions.render_selection(settings, chosen)                 # once per selection
    for sub in subscribers_with_that_selection:
        msg = build_message(
            rendered,
            unsubscribe_url=f"https://.../unsubscribe?t={token}",
            greeting=f"Halo, {sub.name}",          # plain text; escaped here for HTML
            to=sub.email,
            message_id=ledger_row.message_id,      # stable per (edition, address)
            date=sending_time,                     # when it is actually sent
            headers={"List-Unsubscribe": "<https://...>, <mailto:...>",
                     "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        )
        smtp.send_message(msg)          # or message_bytes(msg)

(newsfeed.deliver.sending does the same faster: one build_message per selection, then
per recipient only personalize(), part_bytes() and a few header lines.)

Placeholder tokens (present in both `RenderedDigest.html` and `.text`; templates reach them
as `{{ unsubscribe_url }}`, `{{ preferences_url }}` and `{{ greeting }}`, never by spelling
them out):
- `UNSUBSCRIBE_URL`: the href of the unsubscribe link in the HTML and the unsubscribe line
  in the text. `personalize()` replaces it with the URL (HTML-attribute-escaped in the HTML
  part, verbatim in the text part).
- `PREFERENCES_URL`: the subscriber's signed preferences page (sections, topics, pause),
  replaced the same way; without one (the published copies) the unsubscribe URL given,
  which is then the generic subscription page.
- `GREETING`: the opening line ("Halo, pembaca Warta Nusantara,"). Replaced by the given
  greeting (HTML-escaped in the HTML part); `None` gives DEFAULT_GREETING.
Article text is rendered into the same HTML and text, and escaping cannot tell it apart
from a placeholder (both are escaped alike, and premailer re-serialises the HTML), so a
fixed placeholder such as "%%UNSUBSCRIBE_URL%%" in a headline would be replaced by the
link. The tokens therefore carry 96 random bits drawn when this module is imported: no
article stored before can contain them, they never reach an output (every writer replaces
them), and their length is fixed, so the HTML size budget stays deterministic. Code that
renders article text it received in the same process can check it with `contains_token()`.
The web copy and the .eml written under feeds/ use the generic subscription page
(settings.newsletter.endpoint_url) as the unsubscribe URL and the default greeting.

Determinism: by default the Date header is the edition's date (end of its week, in the
site's zone), so the published .eml is byte-identical for the same edition; a message that
is actually sent passes `date=` (the time of sending: an old Date trips DATE_IN_PAST spam
rules). The web copy's Message-ID is derived from the edition code and section selection;
MIME boundaries are derived from the content. Nothing here calls now() or prints.
"""

from __future__ import annotations

import binascii
import hashlib
import html
import secrets
from collections.abc import Mapping
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING

from newsfeed.errors import RenderError

if TYPE_CHECKING:  # editions imports the renderers; only the type is needed here
    from newsfeed.editions import RenderedDigest



def _token(name: str) -> str:
    """A placeholder no article can contain: drawn per process (see the module docstring).
    ASCII letters, digits, '%', '_' and '.': unchanged by HTML escaping and by premailer,
    also inside an href."""
    return f"%%{name}.{secrets.token_hex(12)}%%"


UNSUBSCRIBE_URL = _token("UNSUBSCRIBE_URL")
PREFERENCES_URL = _token("PREFERENCES_URL")
GREETING = _token("GREETING")
TOKENS = (UNSUBSCRIBE_URL, PREFERENCES_URL, GREETING)
DEFAULT_GREETING = "Halo, pembaca {site},"

# Headers a caller may not override through `headers=` (they are set from the edition).
_OWN_HEADERS = {"subject", "from", "date", "message-id", "mime-version", "content-type", "content-transfer-encoding"}


def default_greeting(site_name: str) -> str:
    return DEFAULT_GREETING.format(site=site_name)


def contains_token(text: str) -> bool:
    """True if `text` (article text about to be rendered) holds a placeholder token."""
    return "%%" in text and any(token in text for token in TOKENS)


def personalize(
    rendered: RenderedDigest, unsubscribe_url: str, greeting: str | None = None, preferences_url: str | None = None
) -> tuple[str, str]:
    """(html, text) with the tokens replaced: three str.replace per part, no rendering.

    `greeting` is plain text (None: the site's default greeting); it and the URLs are
    HTML-escaped for the HTML part and inserted verbatim into the text part.
    `preferences_url` None: the unsubscribe URL (the published copies' subscription page).
    """
    preferences_url = unsubscribe_url if preferences_url is None else preferences_url
    for url in (unsubscribe_url, preferences_url):
        if not url.startswith(("https://", "http://", "mailto:")):
            raise RenderError(f"URL {url!r} in the digest is not absolute; pass an https:// address")
    greeting = default_greeting(rendered.site_name) if greeting is None else greeting
    body_html = (
        rendered.html.replace(UNSUBSCRIBE_URL, html.escape(unsubscribe_url, quote=True))
        .replace(PREFERENCES_URL, html.escape(preferences_url, quote=True))
        .replace(GREETING, html.escape(greeting, quote=False))
    )
    body_text = rendered.text.replace(UNSUBSCRIBE_URL, unsubscribe_url).replace(PREFERENCES_URL, preferences_url).replace(GREETING, greeting)
    return body_html, body_text


def edition_message_id(rendered: RenderedDigest) -> str:
    """Message-ID of the web/preview copy: stable per edition and section selection."""
    selection = ",".join(rendered.sections)
    key = hashlib.sha256(f"{rendered.code}\0{selection}\0".encode()).hexdigest()[:20]
    return f"<digest.{rendered.code}.w{key}@{_domain(rendered.sender)}>"


def build_message(
    rendered: RenderedDigest,
    *,
    unsubscribe_url: str,
    greeting: str | None = None,
    to: str | None = None,
    message_id: str | None = None,
    date: datetime | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """The complete message: Subject, From, (To), Date, Message-ID, extra headers, then
    multipart/alternative with text/plain and text/html, both UTF-8 quoted-printable.

    `date` (aware) is the Date header: pass the time of sending for a message that goes
    out; None gives the edition's date (the deterministic published copy).
    `headers` adds e.g. List-Unsubscribe, List-Unsubscribe-Post, List-Id, in the order given.
    """
    body_html, body_text = personalize(rendered, unsubscribe_url, greeting)
    return compose(
        subject=rendered.subject, sender=rendered.sender, to=to, date=header_date(date or rendered.date, rendered.date),
        message_id=message_id or edition_message_id(rendered), headers=headers, text=body_text, html=body_html,
    )


def compose(
    *, subject: str, sender: str, to: str | None, date: str, message_id: str, text: str, html: str,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """A multipart/alternative message (text/plain, then text/html, UTF-8 quoted-printable)
    from finished bodies; `date` is a formatted Date value (see header_date)."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = subject
    msg["From"] = _address(sender)
    if to:
        msg["To"] = _address(to)
    msg["Date"] = date
    msg["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        if name.lower() in _OWN_HEADERS:
            raise RenderError(f"header {name!r} is set from the edition; do not pass it in headers=")
        msg[name] = value
    msg["MIME-Version"] = "1.0"
    msg["Content-Type"] = "multipart/alternative"
    msg.set_boundary(_boundary(html, text))
    msg.preamble = None
    msg.attach(_part("plain", text))
    msg.attach(_part("html", html))
    return msg


def message_bytes(msg: EmailMessage) -> bytes:
    """Wire form with CRLF line ends (policy SMTP), ready to write as .eml or to send."""
    return msg.as_bytes(policy=policy.SMTP)


def edition_eml(rendered: RenderedDigest, subscribe_url: str) -> bytes:
    """The .eml published with the web copy: generic unsubscribe link, default greeting."""
    return message_bytes(build_message(rendered, unsubscribe_url=subscribe_url))


def header_date(moment: datetime, zone_of: datetime | None = None) -> str:
    """RFC 5322 Date value; an aware `moment` is shown in the zone of `zone_of` (the edition's,
    i.e. the site's zone) when given: "Mon, 21 Oct 2024 09:30:00 +0700"."""
    if moment.tzinfo is None:
        raise RenderError(f"Date {moment!r} has no time zone; pass an aware datetime")
    if zone_of is not None and zone_of.tzinfo is not None:
        moment = moment.astimezone(zone_of.tzinfo)
    return format_datetime(moment)


_PART_HEAD = 'Content-Type: text/{}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'


def _qp(text: str) -> bytes:
    """UTF-8 quoted-printable with CRLF line ends, ending in CRLF: binascii's C encoder in
    its CRLF mode (which also places the soft line breaks)."""
    data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    encoded = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
    return encoded if encoded.endswith(b"\r\n") else encoded + b"\r\n"


def quoted_printable(text: str) -> str:
    """The quoted-printable body of a part with "\n" line ends (an email-package payload)."""
    return _qp(text).decode("ascii").replace("\r\n", "\n")


def part_bytes(subtype: str, text: str) -> bytes:
    """One text/<subtype> UTF-8 quoted-printable MIME part in wire form (CRLF), headers
    included: what `build_message` attaches, without the email package (per recipient)."""
    return _PART_HEAD.format(subtype).encode("ascii") + _qp(text)


def _part(subtype: str, text: str) -> MIMEPart:
    part = MIMEPart(policy=policy.SMTP)
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(quoted_printable(text))
    return part


def _boundary(*bodies: str) -> str:
    digest = hashlib.sha256("\0".join(bodies).encode("utf-8")).hexdigest()[:32]
    return f"==newsfeed-{digest}=="  # '==' never occurs at a QP line start, so no clash


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    if "@" not in address:
        raise RenderError(f"digest.sender {sender!r} has no e-mail address; write it as \"Name <redaksi@domain>\"")
    return address.rsplit("@", 1)[1].lower()


def _address(value: str) -> Address | str:
    name, address = parseaddr(value)
    if "@" not in address:
        raise RenderError(f"{value!r} is not an e-mail address; write it as \"Name <user@domain>\"")
    user, domain = address.rsplit("@", 1)
    try:
        return Address(display_name=name, username=user, domain=domain)
    except (ValueError, TypeError) as exc:
        raise RenderError(f"{value!r} is not a usable e-mail address ({exc}); fix it") from None
