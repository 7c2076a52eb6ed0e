"""DKIM signing ([smtp.dkim]): messages sent through a real aiosmtpd server on 127.0.0.1,
the received bytes checked by dkimpy's verifier against a DNS TXT record served from a
fixture (dkim.verify(..., dnsfunc=...)), never the real DNS."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import dkim
import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from conftest import NOW, body, page
from newsfeed import core
from newsfeed.config import load_settings
from newsfeed.deliver import sending
from newsfeed.deliver.smtp import SmtpSender
from newsfeed.errors import ConfigError
from newsfeed.store import subscribers as ledger
from test_send import free_port

WEEK = "2024-W42"
SECRET = "uji-rahasia-yang-cukup-panjang-123"
SELECTOR = "uji2026"
DOMAIN = "kabaruji.example"  # the From domain of the test site's default digest.sender
README = Path(__file__).resolve().parent.parent / "README.md"
REQUIRED = {b"from", b"subject", b"date", b"message-id", b"to", b"list-unsubscribe", b"list-unsubscribe-post"}


class Raw:
    """aiosmtpd handler keeping each message's bytes exactly as they arrived."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[tuple[str, bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.extend((rcpt, envelope.original_content) for rcpt in envelope.rcpt_tos)
        return "250 OK"

    def to(self, address: str) -> list[bytes]:
        with self.lock:
            return [data for rcpt, data in self.received if rcpt == address]


@pytest.fixture
def smtp():
    handler = Raw()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


def pem(key, fmt=serialization.PrivateFormat.PKCS8) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


def txt_record(key: rsa.RSAPrivateKey) -> bytes:
    """What the README tells the operator to publish: the SubjectPublicKeyInfo, base64."""
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Zone:
    """dnsfunc for dkim.verify: TXT records from a dict; records every name asked for."""

    def __init__(self, records: dict[bytes, bytes]):
        self.records = records
        self.asked: list[bytes] = []

    def __call__(self, name: bytes, timeout: float = 5) -> bytes | None:
        self.asked.append(name)
        return self.records.get(name)


@pytest.fixture
def zone(key) -> Zone:
    return Zone({f"{SELECTOR}._domainkey.{DOMAIN}.".encode(): txt_record(key)})


def dkim_config(port: int, key_file: str = "kunci/dkim.key", selector: str = SELECTOR, domain: str | None = None) -> str:
    lines = [f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nretry_delay = 0.05\nmax_wait = 5\n', "[smtp.dkim]"]
    lines.append(f'key_file = "{key_file}"')
    lines.append(f'selector = "{selector}"')
    if domain is not None:
        lines.append(f'domain = "{domain}"')
    return "\n".join(lines) + "\n"


def site_pages() -> dict[str, str]:
    return {
        f"{slug}/2024-10-{day}-0800-{slug}-{day}.txt": page(name, f"Kabar {name} Hari {day}", body(name))
        for day in (14, 15) for slug, name in (("dunia", "Dunia"), ("ekonomi", "Ekonomi"))
    }


@pytest.fixture
def signed_site(make_site, smtp, key, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFEED_SECRET", SECRET)
    (tmp_path / "kunci").mkdir()
    (tmp_path / "kunci" / "dkim.key").write_bytes(pem(key))
    settings = make_site(site_pages(), extra_config=dkim_config(smtp.port))
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
    return settings


def subscribe(settings, addresses, confirmed=True):
    with core.open_store(settings) as store:
        for address in addresses:
            ledger.add(store, address, address.split("@")[0].title(), (), NOW, confirmed=confirmed)


def signature_tags(data: bytes) -> dict[bytes, bytes]:
    header = re.search(rb"^DKIM-Signature:(.*?)\r\n(?![ \t])", data, re.S | re.M)
    assert header, "no DKIM-Signature header"
    value = re.sub(rb"\s+", b"", header[1])
    return dict(tag.split(b"=", 1) for tag in value.split(b";") if tag)


def unsigned(data: bytes) -> bytes:
    """`data` without its leading DKIM-Signature header (and its folded lines)."""
    assert data.startswith(b"DKIM-Signature:")
    return re.sub(rb"\ADKIM-Signature:.*?\r\n(?![ \t])", b"", data, count=1, flags=re.S)


def replace_header(data: bytes, name: bytes, value: bytes) -> bytes:
    changed, n = re.subn(rb"^" + name + rb":.*?\r\n(?![ \t])", name + b": " + value + b"\r\n", data, count=1, flags=re.S | re.M)
    assert n == 1
    return changed


# Digests and confirmations are signed ------------------------------------------------


def test_every_digest_arrives_signed_and_verifies_against_the_published_key(signed_site, smtp, zone):
    people = ["ani@contoh.co.id", "budi@contoh.co.id", "citra@contoh.co.id"]
    subscribe(signed_site, people)
    with core.open_store(signed_site) as store, SmtpSender(signed_site.smtp) as transport:
        report = sending.send_edition(signed_site, store, NOW, transport, WEEK)
    assert report.sent == 3
    for address in people:
        [data] = smtp.to(address)
        assert dkim.verify(data, dnsfunc=zone), address
        tags = signature_tags(data)
        assert (tags[b"a"], tags[b"c"], tags[b"d"], tags[b"s"]) == (b"rsa-sha256", b"relaxed/relaxed", DOMAIN.encode(), SELECTOR.encode())
        assert b"l" not in tags  # the whole body is covered: nothing can be appended
        signed = tags[b"h"].lower().split(b":")
        assert REQUIRED <= set(signed)
        # each is signed once more than it occurs: an added copy breaks the signature
        assert all(signed.count(name) == 2 for name in REQUIRED)
        assert data.count(b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n") == 1
    assert set(zone.asked) == {f"{SELECTOR}._domainkey.{DOMAIN}.".encode()}


def test_confirmation_mail_is_signed_too(signed_site, smtp, zone):
    subscribe(signed_site, ["dedi@contoh.co.id"], confirmed=False)
    with core.open_store(signed_site) as store, SmtpSender(signed_site.smtp) as transport:
        report = sending.invite(signed_site, store, transport, NOW)
    assert report.invited == 1
    [data] = smtp.to("dedi@contoh.co.id")
    assert b"Subject: Konfirmasi langganan" in data
    assert dkim.verify(data, dnsfunc=zone)
    # no List-Unsubscribe in a confirmation, yet the name is signed: one added later fails
    assert b"\r\nList-Unsubscribe:" not in data and b"list-unsubscribe" in signature_tags(data)[b"h"].lower()
    forged = data.replace(b"\r\n\r\n", b"\r\nList-Unsubscribe: <https://jahat.example/x>\r\n\r\n", 1)
    assert not dkim.verify(forged, dnsfunc=zone)


def test_signing_adds_one_header_and_changes_no_byte_of_the_message(signed_site, smtp, zone):
    """What the ledger and --dry-run hold is what goes out, behind the signature."""
    subscribe(signed_site, ["eka@contoh.co.id"], confirmed=False)
    with core.open_store(signed_site) as store:
        [person] = ledger.to_invite(store)
    message = sending.invitation(signed_site, SECRET.encode(), person, NOW)
    with SmtpSender(signed_site.smtp) as transport:
        assert transport.send(signed_site.digest.sender, "eka@contoh.co.id", message).status == "sent"
    plain = load_settings(signed_site.path)
    plain = type(plain.smtp)(**{**{f: getattr(plain.smtp, f) for f in plain.smtp.__slots__}, "dkim": None})
    with SmtpSender(plain) as transport:
        assert transport.send(signed_site.digest.sender, "eka@contoh.co.id", message).status == "sent"
    signed_copy, plain_copy = smtp.to("eka@contoh.co.id")
    assert unsigned(signed_copy) == plain_copy
    assert b"DKIM-Signature" not in plain_copy
    assert dkim.verify(signed_copy, dnsfunc=zone)


# Tampering is caught ------------------------------------------------------------------


def test_a_changed_subject_header_or_body_fails_verification(signed_site, smtp, zone):
    subscribe(signed_site, ["fajar@contoh.co.id"])
    with core.open_store(signed_site) as store, SmtpSender(signed_site.smtp) as transport:
        sending.send_edition(signed_site, store, NOW, transport, WEEK)
    [data] = smtp.to("fajar@contoh.co.id")
    assert dkim.verify(data, dnsfunc=zone)
    assert not dkim.verify(replace_header(data, b"Subject", b"Hadiah menanti Anda"), dnsfunc=zone)
    assert not dkim.verify(replace_header(data, b"List-Unsubscribe", b"<https://jahat.example/x>"), dnsfunc=zone)
    assert not dkim.verify(replace_header(data, b"Date", b"Mon, 01 Jan 2024 00:00:00 +0700"), dnsfunc=zone)
    assert not dkim.verify(data.replace(b"Kabar Dunia Hari 14", b"Kabar Palsu Hari 14", 1), dnsfunc=zone)
    second_from = data.replace(b"\r\nFrom:", b"\r\nFrom: Penipu <admin@jahat.example>\r\nFrom:", 1)
    assert not dkim.verify(second_from, dnsfunc=zone)
    # relaxed/relaxed: a relay refolding a header or adding trailing blanks keeps it valid
    refolded = replace_header(data, b"Subject", re.search(rb"\r\nSubject: (.*?)\r\n", data)[1].replace(b" ", b"\r\n   ", 1))
    assert dkim.verify(refolded + b"\r\n", dnsfunc=zone)
    # a key that is not the published one
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert not dkim.verify(data, dnsfunc=Zone({f"{SELECTOR}._domainkey.{DOMAIN}.".encode(): txt_record(other)}))


def test_unsigned_when_not_configured(make_site, smtp, monkeypatch):
    monkeypatch.setenv("NEWSFEED_SECRET", SECRET)
    settings = make_site(site_pages(), extra_config=f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\n')
    assert settings.smtp.dkim is None
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
    subscribe(settings, ["gita@contoh.co.id"])
    with core.open_store(settings) as store, SmtpSender(settings.smtp) as transport:
        assert sending.send_edition(settings, store, NOW, transport, WEEK).sent == 1
        assert transport.signer is None
    [data] = smtp.to("gita@contoh.co.id")
    assert b"DKIM-Signature" not in data
    assert not dkim.verify(data, dnsfunc=Zone({}))


# Configuration: one line naming the key and the fix -----------------------------------


def config_error(make_site, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        make_site({}, extra_config=text)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_missing_key_file(make_site):
    message = config_error(make_site, dkim_config(2525, key_file="kunci/tidak-ada.key"))
    assert message.startswith("config.toml: smtp.dkim.key_file: ")
    assert "tidak-ada.key does not exist" in message and "openssl genrsa" in message


def test_unreadable_key_file(make_site, tmp_path):
    (tmp_path / "kunci").mkdir()
    (tmp_path / "kunci" / "dkim.key").write_bytes(b"x")
    message = config_error(make_site, dkim_config(2525, key_file="kunci/dkim.key/lagi"))
    assert message.startswith("config.toml: smtp.dkim.key_file: ") and "cannot be read (Not a directory)" in message
    if os.geteuid() != 0:  # root reads any file
        (tmp_path / "kunci" / "dkim.key").write_bytes(pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)))
        (tmp_path / "kunci" / "dkim.key").chmod(0)
        message = config_error(make_site, dkim_config(2525))
        assert "cannot be read (Permission denied); let the user running newsfeed read it" in message


@pytest.mark.parametrize(
    "content, says",
    [
        (b"bukan kunci\n", "is not a PEM private key"),
        ("public", "holds a public key, not the private key"),
        ("encrypted", "holds an encrypted private key; store it unencrypted"),
        ("ed25519", "is not an RSA private key"),
        ("ec", "holds a ec private key, not an RSA private key"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "is not an RSA private key"),
    ],
)
def test_a_file_that_is_not_a_pem_rsa_private_key(make_site, tmp_path, key, content, says):
    if content == "public":
        content = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    elif content == "encrypted":
        content = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.BestAvailableEncryption(b"rahasia"))
    elif content == "ed25519":
        content = pem(ed25519.Ed25519PrivateKey.generate())
    elif content == "ec":
        content = pem(ec.generate_private_key(ec.SECP256R1()), serialization.PrivateFormat.TraditionalOpenSSL)
    (tmp_path / "kunci").mkdir()
    (tmp_path / "kunci" / "dkim.key").write_bytes(content)
    message = config_error(make_site, dkim_config(2525))
    assert message.startswith("config.toml: smtp.dkim.key_file: ") and says in message, message


def test_pkcs1_and_crlf_pem_keys_are_accepted(make_site, tmp_path, key, smtp, zone):
    (tmp_path / "kunci").mkdir()
    traditional = pem(key, serialization.PrivateFormat.TraditionalOpenSSL)
    assert traditional.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    (tmp_path / "kunci" / "dkim.key").write_bytes(traditional.replace(b"\n", b"\r\n"))
    settings = make_site({}, extra_config=dkim_config(smtp.port))
    assert settings.smtp.dkim.key_file == tmp_path / "kunci" / "dkim.key"
    with SmtpSender(settings.smtp) as transport:
        data = b"From: Kabar Uji <redaksi@kabaruji.example>\r\nTo: h@contoh.co.id\r\nSubject: Uji\r\n" \
               b"Date: Mon, 21 Oct 2024 09:30:00 +0700\r\nMessage-ID: <uji@kabaruji.example>\r\n\r\nIsi.\r\n"
        assert transport.send("redaksi@kabaruji.example", "h@contoh.co.id", data).status == "sent"
    assert dkim.verify(smtp.to("h@contoh.co.id")[0], dnsfunc=zone)


def test_a_short_key_is_refused(make_site, tmp_path):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (a 512-bit key cannot be made with cryptography)")
    (tmp_path / "kunci").mkdir()
    subprocess.run([openssl, "genrsa", "-out", str(tmp_path / "kunci" / "dkim.key"), "512"], check=True, capture_output=True)
    message = config_error(make_site, dkim_config(2525))
    assert "is a 512-bit RSA key; receivers ignore keys under 1024 bits" in message


def test_domain_must_be_the_from_domain_or_a_parent(make_site, tmp_path, key):
    (tmp_path / "kunci").mkdir()
    (tmp_path / "kunci" / "dkim.key").write_bytes(pem(key))
    message = config_error(make_site, dkim_config(2525, domain="lain.example"))
    assert message == (
        "config.toml: smtp.dkim.domain: 'lain.example' does not match 'kabaruji.example', the From domain of digest.sender; "
        "DMARC passes only when d= is that domain or a parent of it: set smtp.dkim.domain = \"kabaruji.example\" or leave it out"
    )
    assert "does not match" in config_error(make_site, dkim_config(2525, domain="example"))  # a bare suffix
    assert "does not match" in config_error(make_site, dkim_config(2525, domain="mail.kabaruji.example"))  # a child
    assert make_site({}, extra_config=dkim_config(2525)).smtp.dkim.domain == "kabaruji.example"  # the default
    sub = '[digest]\nsender = "Kabar Uji <redaksi@berita.kabaruji.example>"\n'
    assert make_site({}, extra_config=sub + dkim_config(2525, domain="Kabaruji.Example")).smtp.dkim.domain == "kabaruji.example"


def test_selector_and_key_file_are_both_needed(make_site, tmp_path, key):
    (tmp_path / "kunci").mkdir()
    (tmp_path / "kunci" / "dkim.key").write_bytes(pem(key))
    message = config_error(make_site, dkim_config(2525, selector="uji 2026"))
    assert message.startswith("config.toml: smtp.dkim.selector: 'uji 2026' is not a DNS selector;")
    message = config_error(make_site, '[smtp.dkim]\nselector = "uji2026"\n')
    assert message.startswith("config.toml: smtp.dkim.key_file: missing; name the DKIM private key")
    assert "did you mean smtp.dkim.selector?" in config_error(make_site, dkim_config(2525) + 'selektor = "x"\n')


# The README's commands make a key and a record that work ------------------------------


def readme_commands() -> list[str]:
    section = README.read_text(encoding="utf-8").split("### DKIM", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert blocks, "README.md: no ```sh block in the DKIM section"
    return [line for line in blocks[0].splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_the_readme_key_and_dns_record_commands_produce_a_working_pair(make_site, tmp_path, smtp):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: the README's key commands need it")
    (tmp_path / "kunci").mkdir()
    for command in readme_commands():
        subprocess.run(command, shell=True, check=True, cwd=tmp_path / "kunci", capture_output=True)
    record = (tmp_path / "kunci" / "dkim.txt").read_text(encoding="ascii").strip()
    assert record.startswith("v=DKIM1; k=rsa; p=") and len(record) > 300
    settings = make_site({}, extra_config=dkim_config(smtp.port))
    data = b"From: Kabar Uji <redaksi@kabaruji.example>\r\nTo: i@contoh.co.id\r\nSubject: Uji\r\n" \
           b"Date: Mon, 21 Oct 2024 09:30:00 +0700\r\nMessage-ID: <uji2@kabaruji.example>\r\n\r\nIsi.\r\n"
    with SmtpSender(settings.smtp) as transport:
        assert transport.send("redaksi@kabaruji.example", "i@contoh.co.id", data).status == "sent"
    zone = Zone({f"{SELECTOR}._domainkey.{DOMAIN}.".encode(): record.encode()})
    assert dkim.verify(smtp.to("i@contoh.co.id")[0], dnsfunc=zone)

