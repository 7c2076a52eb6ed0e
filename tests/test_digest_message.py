"""The .eml: parses with the email package, headers, personalisation, determinism."""

from __future__ import annotations

import email
from email import policy
from email.utils import parsedate_to_datetime

import pytest
from test_digest_support import NOW, build, link_related, week_of_stories

from newsfeed import editions
from newsfeed.errors import RenderError
from newsfeed.render import message


@pytest.fixture
def rendered(make_site):
    settings, store = build(make_site, week_of_stories(2))
    link_related(store)
    with store:
        edition = editions.select_week(settings, store, NOW, "2024-W42")
    return settings, edition, editions.render_selection(settings, edition)


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=policy.default)


def test_edition_eml_parses_as_multipart_alternative(rendered):
    settings, edition, r = rendered
    data = message.edition_eml(r, settings.newsletter.endpoint_url)
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    msg = parse(data)
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    for part in msg.iter_parts():
        assert part.get_content_charset() == "utf-8"
    assert msg["Subject"] == r.subject == "Kabar Uji: Ringkasan Mingguan 14–20 Oktober 2024"
    assert msg["From"].addresses[0].addr_spec == "redaksi@kabaruji.example"
    assert parsedate_to_datetime(msg["Date"]) == edition.end
    assert msg["Message-ID"] == message.edition_message_id(r)
    assert msg["Message-ID"].startswith("<digest.2024-W42.") and msg["Message-ID"].endswith("@kabaruji.example>")
    assert msg["MIME-Version"] == "1.0"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert f"<title>{r.subject}</title>" in html
    assert settings.newsletter.endpoint_url in text and settings.newsletter.endpoint_url in html
    assert message.UNSUBSCRIBE_URL not in html + text and message.GREETING not in html + text
    assert "Halo, pembaca Kabar Uji," in text
    for article in edition.stories:
        assert article.url in text and article.url in html
    assert max(len(line) for line in data.split(b"\r\n")) <= 78


def test_per_subscriber_message(rendered):
    _settings, _edition, r = rendered
    url = "https://kabaruji.example/langganan/berhenti?t=a1b2&x=1"
    headers = {"List-Unsubscribe": f"<{url}>, <mailto:unsubscribe@kabaruji.example>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    mid = "<2024-W41.budi@kabaruji.example>"  # the sender's ledger gives each recipient one
    msg = parse(message.message_bytes(message.build_message(
        r, unsubscribe_url=url, greeting="Halo, Budi & <Ani>,", to="Budi <budi@contoh.example>", message_id=mid, headers=headers,
    )))
    assert msg["To"].addresses[0].addr_spec == "budi@contoh.example"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["List-Unsubscribe"].startswith(f"<{url}>")
    assert msg["Message-ID"] == mid != message.edition_message_id(r)
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    assert 'href="https://kabaruji.example/langganan/berhenti?t=a1b2&amp;x=1"' in html
    assert "Halo, Budi &amp; &lt;Ani&gt;," in html
    assert "Halo, Budi & <Ani>," in text and url in text


def test_personalize_is_plain_substitution(rendered):
    _settings, _edition, r = rendered
    html, text = message.personalize(r, "https://x.example/u?t=1", "Halo, Sari,", "https://x.example/p?t=2")
    assert html == (r.html.replace(message.UNSUBSCRIBE_URL, "https://x.example/u?t=1")
                    .replace(message.PREFERENCES_URL, "https://x.example/p?t=2").replace(message.GREETING, "Halo, Sari,"))
    assert text.count("https://x.example/u?t=1") == r.text.count(message.UNSUBSCRIBE_URL) == 1
    assert text.count("https://x.example/p?t=2") == r.text.count(message.PREFERENCES_URL) == 1
    # without a preferences page (the published copies): the subscription page given
    html, text = message.personalize(r, "https://x.example/langganan")
    assert message.PREFERENCES_URL not in html + text and text.count("https://x.example/langganan") == 2
    with pytest.raises(RenderError, match="not absolute"):
        message.personalize(r, "/relatif")
    with pytest.raises(RenderError, match="not absolute"):
        message.personalize(r, "https://x.example/u", preferences_url="javascript:alert(1)")


def test_own_headers_cannot_be_overridden(rendered):
    _settings, _edition, r = rendered
    with pytest.raises(RenderError, match="Subject"):
        message.build_message(r, unsubscribe_url="https://x.example/u", headers={"Subject": "lain"})


def test_message_is_deterministic(make_site, rendered):
    settings, edition, r = rendered
    first = message.edition_eml(r, settings.newsletter.endpoint_url)
    again = message.edition_eml(editions.render_selection(settings, edition), settings.newsletter.endpoint_url)
    assert first == again
    other = editions.restrict(edition, settings, ["dunia"])
    assert message.edition_message_id(editions.render_selection(settings, other)) != message.edition_message_id(r)
