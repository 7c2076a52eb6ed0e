"""[newsletter] and [smtp] validation: one-line errors that name the key and the fix."""

from __future__ import annotations

import pytest

from conftest import config_text
from newsfeed.config import load_settings
from newsfeed.errors import ConfigError


def load(tmp_path, extra: str, base_url: str = "https://kabaruji.example"):
    text = config_text(extra).replace('base_url = "https://kabaruji.example"', f'base_url = "{base_url}"', 1)
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    return load_settings(tmp_path / "config.toml")


def error(tmp_path, extra: str, **kwargs) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, extra, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_defaults_are_valid(tmp_path):
    settings = load(tmp_path, "")
    assert settings.newsletter.endpoint_url == "https://kabaruji.example/langganan"
    assert settings.newsletter.unsubscribe_mailto == "unsubscribe@kabaruji.example"
    assert settings.newsletter.list_id == "mingguan.kabaruji.example"


def test_good_values_are_accepted(tmp_path):
    settings = load(tmp_path, '[newsletter]\nendpoint_url = "https://langganan.kabaruji.example/app/"\n'
                              'unsubscribe_mailto = "berhenti+digest@kabaruji.example"\nlist_id = "mingguan.berita.kabaruji.example"\n'
                              '[smtp]\nuser = "pengirim"\nsecurity = "starttls"\nport = 587\n')
    assert settings.newsletter.endpoint_url == "https://langganan.kabaruji.example/app"
    assert settings.smtp.user == "pengirim"


def test_endpoint_must_be_https(tmp_path):
    message = error(tmp_path, '[newsletter]\nendpoint_url = "http://kabaruji.example/langganan"\n')
    assert "newsletter.endpoint_url" in message and "https" in message and "RFC 8058" in message


def test_http_site_builds_feeds_but_signs_no_links_until_an_https_endpoint_is_set(tmp_path, monkeypatch):
    from newsfeed.tokens import secret_from_env

    settings = load(tmp_path, "", base_url="http://kabaruji.example")  # feeds-only sites keep working
    monkeypatch.setenv("NEWSFEED_SECRET", "x" * 40)
    with pytest.raises(ConfigError) as caught:
        secret_from_env(settings)
    message = str(caught.value)
    assert "newsletter.endpoint_url" in message and 'endpoint_url = "https://' in message and "\n" not in message


@pytest.mark.parametrize("value", ["mailto:unsubscribe@kabaruji.example", "Berhenti <unsubscribe@kabaruji.example>", "unsubscribe",
                                   "unsubscribe@localhost", "a b@kabaruji.example", "x?subject=y@kabaruji.example", ""])
def test_unsubscribe_mailto_must_be_an_address(tmp_path, value):
    message = error(tmp_path, f'[newsletter]\nunsubscribe_mailto = "{value}"\n')
    assert "newsletter.unsubscribe_mailto" in message and "unsubscribe@kabaruji.example" in message


@pytest.mark.parametrize("value", ["mingguan", "Kabar Uji Mingguan", "<mingguan.kabaruji.example>", "mingguan..kabaruji.example", ".mingguan.example", ""])
def test_list_id_must_be_a_dot_atom(tmp_path, value):
    message = error(tmp_path, f'[newsletter]\nlist_id = "{value}"\n')
    assert "newsletter.list_id" in message and "mingguan.kabaruji.example" in message


def test_smtp_user_without_tls_is_refused(tmp_path):
    message = error(tmp_path, '[smtp]\nuser = "pengirim"\n')
    assert message.startswith("config.toml: smtp.user:") and 'smtp.security = "starttls"' in message and "clear" in message
    assert load(tmp_path, '[smtp]\nuser = "pengirim"\nsecurity = "tls"\nport = 465\n').smtp.security == "tls"


def test_site_on_localhost_with_a_port_loads_for_feeds(tmp_path):
    settings = load(tmp_path, "", base_url="http://localhost:8000")
    assert settings.site.base_url == "http://localhost:8000"
    assert settings.newsletter.unsubscribe_mailto == "unsubscribe@localhost"
