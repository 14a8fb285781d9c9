"""Time-based one-time passwords (RFC 6238) and their keys at rest.

SHA-1, 6 digits, 30-second steps: the parameters every authenticator app
accepts. Keys are stored encrypted with Fernet under a key derived from
CALANQUE_OTP_KEY, which lives outside the database (environment or
CALANQUE_HOME/secrets), so a copy of the database alone does not give them.
"""

import base64
import hashlib
import hmac
import re
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

STEP = 30
DIGITS = 6
CODE_PATTERN = re.compile(r"^[0-9]{6}$")


def _fernet() -> Fernet:
    digest = hashlib.sha256(("calanque-otp:" + settings.CALANQUE_OTP_KEY).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def new_key() -> str:
    """A fresh base32 secret of 160 bits (RFC 4226 recommends at least 128)."""
    return pyotp.random_base32(32)


def encrypt(key: str) -> bytes:
    return _fernet().encrypt(key.encode())


def decrypt(token: bytes) -> str:
    try:
        return _fernet().decrypt(bytes(token)).decode()
    except InvalidToken as exc:
        raise RuntimeError("OTP key cannot be decrypted: was CALANQUE_OTP_KEY changed?") from exc


def normalise_code(value: str) -> str:
    """« 123 456 » and « 123-456 » are 123456."""
    return re.sub(r"[\s-]", "", value or "")


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP)


def matching_step(key: str, code: str, *, now: float | None = None, window: int = 1) -> int | None:
    """The time step in [now - window, now + window] whose code is ``code``,
    or None. The caller refuses a step at or before the last one used."""
    totp = pyotp.TOTP(key, digits=DIGITS, interval=STEP)
    step = current_step(now)
    for candidate in range(step - window, step + window + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def provisioning_uri(key: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(key, digits=DIGITS, interval=STEP).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> str:
    """The otpauth:// URI as an inline SVG QR code (no external service)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, title=title, svgclass="calanque-qr")


def grouped(key: str) -> str:
    """The key in groups of four, as people copy it by hand."""
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


