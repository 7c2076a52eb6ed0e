"""Signed link tokens: forged, altered, expired or other-address tokens are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsfeed.errors import ConfigError
from newsfeed.tokens import CONFIRM, UNSUBSCRIBE, TokenError, make_token, secret_from_env, verify_token

SECRET = b"rahasia-uji-yang-panjang-sekali"
NOW = datetime(2024, 10, 21, tzinfo=UTC)


def test_round_trip():
    token = make_token(SECRET, UNSUBSCRIBE, "ani@contoh.co.id")
    assert verify_token(SECRET, token, UNSUBSCRIBE, NOW) == "ani@contoh.co.id"


def test_other_purpose_is_refused():
    token = make_token(SECRET, UNSUBSCRIBE, "ani@contoh.co.id")
    with pytest.raises(TokenError):
        verify_token(SECRET, token, CONFIRM, NOW)


def test_token_cannot_be_moved_to_another_address():
    token = make_token(SECRET, UNSUBSCRIBE, "ani@contoh.co.id")
    other = make_token(SECRET, UNSUBSCRIBE, "budi@contoh.co.id")
    swapped = other.split(".")[0] + "." + ".".join(token.split(".")[1:])
    with pytest.raises(TokenError):
        verify_token(SECRET, swapped, UNSUBSCRIBE, NOW)


@pytest.mark.parametrize("index", range(0, 60, 7))
def test_any_altered_character_is_refused(index):
    token = make_token(SECRET, UNSUBSCRIBE, "ani@contoh.co.id")
    index = index % len(token)
    changed = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]
    with pytest.raises(TokenError):
        verify_token(SECRET, changed, UNSUBSCRIBE, NOW)


@pytest.mark.parametrize("junk", ["", "abc", "a.b.c", "YW5p.0.", "....", "x" * 5000])
def test_garbage_is_refused(junk):
    with pytest.raises(TokenError):
        verify_token(SECRET, junk, UNSUBSCRIBE, NOW)


def test_forged_with_another_secret_is_refused():
    forged = make_token(b"tebakan-penyerang-yang-lain", UNSUBSCRIBE, "ani@contoh.co.id")
    with pytest.raises(TokenError):
        verify_token(SECRET, forged, UNSUBSCRIBE, NOW)


def test_confirm_tokens_expire_and_expiry_cannot_be_extended():
    token = make_token(SECRET, CONFIRM, "ani@contoh.co.id", NOW + timedelta(days=7))
    assert verify_token(SECRET, token, CONFIRM, NOW + timedelta(days=6)) == "ani@contoh.co.id"
    with pytest.raises(TokenError, match="expired"):
        verify_token(SECRET, token, CONFIRM, NOW + timedelta(days=8))
    address, stamp, sig = token.split(".")
    with pytest.raises(TokenError):
        verify_token(SECRET, f"{address}.{int(stamp) + 86400 * 30}.{sig}", CONFIRM, NOW + timedelta(days=8))


def test_missing_or_short_secret_names_the_variable(make_site, monkeypatch):
    settings = make_site({}, extra_config='[newsletter]\nsecret_env = "RAHASIA_DIGEST"\n')
    monkeypatch.delenv("RAHASIA_DIGEST", raising=False)
    with pytest.raises(ConfigError, match="RAHASIA_DIGEST"):
        secret_from_env(settings)
    monkeypatch.setenv("RAHASIA_DIGEST", "pendek")
    with pytest.raises(ConfigError, match="RAHASIA_DIGEST"):
        secret_from_env(settings)
    monkeypatch.setenv("RAHASIA_DIGEST", "cukup-panjang-untuk-rahasia")
    assert secret_from_env(settings) == b"cukup-panjang-untuk-rahasia"
