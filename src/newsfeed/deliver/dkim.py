"""DKIM signatures (RFC 6376) on outgoing mail, by dkimpy, just before it goes to the relay.

Configured by [smtp.dkim] (newsfeed.config.DkimSettings): a PEM RSA private key file, the
selector, the signing domain (d=, by default digest.sender's domain). Mail still goes through
the operator's MTA or relay; newsfeed signs what it hands over, so the receiving side can
check that the From domain sent it (DMARC alignment) and that nobody changed the message.

- One place signs: `newsfeed.deliver.smtp.SmtpSender.send`, so every message newsfeed sends
  (digests, confirmations, the subscription pages' notices) is signed and nothing else
  needs to know. The messages themselves, what the ledger and `send --dry-run` see, stay
  byte-identical to an unsigned run; only the DKIM-Signature header in front differs (it
  carries the time of signing, t=).
- rsa-sha256, relaxed/relaxed (survives a relay refolding headers or changing trailing
  blanks), whole body (no l=, so nothing can be appended).
- Signed headers: SIGNED, each listed once more than it occurs ("oversigning"): a header
  added in transit, a second From or Subject, or a List-Unsubscribe on a message that had
  none, breaks the signature. Gmail and Yahoo honour one-click unsubscribe only when
  List-Unsubscribe and List-Unsubscribe-Post are covered.

Cost: dkimpy computes RSA in pure Python: about 10 ms a signature with a 2048-bit key on the
idle 2-core CI machine (25 ms with 3072 bits; 30 ms and more while other work loads it), which
bounds one sending process at roughly 100 messages a second. The library never prints; problems are ConfigError / DeliveryError.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import dkim
from dkim.crypto import UnparsableKeyError, parse_pem_private_key

from newsfeed.errors import ConfigError, DeliveryError

if TYPE_CHECKING:
    from newsfeed.config import DkimSettings

SIGNED = (
    "From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Id",
    "MIME-Version", "Content-Type",
)
MIN_BITS = 1024  # receivers (and dkimpy's verifier) ignore shorter keys; 2048 is usual
GENERATE = "generate one with `openssl genrsa -out dkim.key 2048` (README: DKIM)"
_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\s*\n(.*?)\n\s*-----END \1-----", re.DOTALL)
_QUIET = logging.getLogger("newsfeed.dkim")  # dkimpy logs each step at debug level
_QUIET.addHandler(logging.NullHandler())


def read_key(path: Path) -> tuple[bytes, str]:
    """(the PEM bytes, "") for a usable RSA private key file, or (b"", what is wrong and the fix)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return b"", f"{path} does not exist; {GENERATE}, or fix the path"
    except IsADirectoryError:
        return b"", f"{path} is a folder; name the private key file in it"
    except OSError as exc:
        return b"", f"{path} cannot be read ({exc.strerror or exc}); let the user running newsfeed read it (e.g. chmod 640 and its group)"
    return _key_problem(path, data.replace(b"\r\n", b"\n"))


def _key_problem(path: Path, data: bytes) -> tuple[bytes, str]:
    found = _PEM.search(data)
    if found is None:
        return b"", f"{path} is not a PEM private key (no -----BEGIN PRIVATE KEY----- block); {GENERATE}"
    kind = found[1].decode("ascii")
    if "ENCRYPTED" in kind or b"Proc-Type: 4,ENCRYPTED" in found[2]:
        return b"", f"{path} holds an encrypted private key; store it unencrypted with mode 600 (`openssl pkey -in OLD -out {path.name}`)"
    if "PUBLIC" in kind or "CERTIFICATE" in kind:
        return b"", f"{path} holds a {kind.lower()}, not the private key; name the private key file here and publish the public key in DNS"
    if kind not in ("PRIVATE KEY", "RSA PRIVATE KEY"):
        return b"", f"{path} holds a {kind.lower()}, not an RSA private key; newsfeed signs with rsa-sha256: {GENERATE}"
    pem = found[0] + b"\n"
    try:
        key = parse_pem_private_key(pem)
    except (UnparsableKeyError, ValueError, IndexError, TypeError):
        return b"", f"{path} is not an RSA private key (an Ed25519 or EC key, or damaged); newsfeed signs with rsa-sha256: {GENERATE}"
    bits = key["modulus"].bit_length()
    if bits < MIN_BITS:
        return b"", f"{path} is a {bits}-bit RSA key; receivers ignore keys under {MIN_BITS} bits: {GENERATE}"
    return pem, ""


class Signer:
    """Signs wire-form messages (CRLF) with the configured key; the key is read once."""

    def __init__(self, settings: DkimSettings):
        pem, problem = read_key(settings.key_file)
        if problem:
            raise ConfigError(f"smtp.dkim.key_file: {problem}")
        self.key = pem
        self.selector = settings.selector.encode("ascii")
        self.domain = settings.domain.encode("ascii")

    def sign(self, data: bytes) -> bytes:
        """`data` with a DKIM-Signature header in front."""
        try:
            message = dkim.DKIM(data, logger=_QUIET, linesep=b"\r\n")
            present = Counter(name.lower() for name, _ in message.headers)
            include = [name.lower().encode("ascii") for name in SIGNED for _ in range(present[name.lower().encode("ascii")] + 1)]
            header = message.sign(
                self.selector, self.domain, self.key, canonicalize=(b"relaxed", b"relaxed"), include_headers=include
            )
        except dkim.DKIMException as exc:
            raise DeliveryError(f"cannot DKIM-sign a message ({exc}); check [smtp.dkim]") from None
        return header + data


def signer(settings: DkimSettings | None) -> Signer | None:
    return Signer(settings) if settings is not None else None
