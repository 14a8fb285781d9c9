"""Single-use links (password reset, account activation).

Stateless, like Django's password-reset tokens: a signed payload (account,
purpose, issue time, link serial, and a fingerprint of the password hash).
The serial is bumped by every new link and every password change, so only the
latest link works and it works once; changing the password changes the
fingerprint too. The issue time is checked against ``core.clock`` so tests
can move time.
"""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from calanque.academy.models import Staff
from calanque.accounts.models import AccountSecurity
from calanque.core import clock

SALT = "calanque.accounts.link"
RESET = "reset"
ACTIVATION = "activation"
RESET_VALIDITY = 30 * 60


class LinkError(Exception):
    """Why a link cannot be used: ``invalid``, ``expired`` or ``used``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _fingerprint(staff: Staff, serial: int) -> str:
    state = f"{staff.pk}:{staff.password}:{serial}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), state, hashlib.sha256).hexdigest()[:20]


def validity(purpose: str, staff: Staff) -> int:
    if purpose == ACTIVATION:
        return staff.academy.activation_link_days * 24 * 3600
    return RESET_VALIDITY


def make_token(staff: Staff, purpose: str, serial: int) -> str:
    payload = {"u": staff.pk, "p": purpose, "s": serial, "t": int(clock.now()), "h": _fingerprint(staff, serial)}
    return signing.dumps(payload, salt=SALT, compress=True)


@dataclass
class Link:
    staff: Staff
    purpose: str
    serial: int
    issued_at: float = 0


def read_token(token: str) -> Link:
    try:
        payload = signing.loads(token, salt=SALT)
        staff = Staff.objects.select_related("academy").get(pk=payload["u"], is_active=True)
        purpose, serial, issued = payload["p"], int(payload["s"]), int(payload["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, Staff.DoesNotExist):
        raise LinkError("invalid") from None
    if purpose not in (RESET, ACTIVATION):
        raise LinkError("invalid")
    current = AccountSecurity.objects.filter(staff=staff).values_list("link_serial", flat=True).first() or 0
    if serial != current or not hmac.compare_digest(payload.get("h", ""), _fingerprint(staff, serial)):
        raise LinkError("used")
    if clock.now() - issued > validity(purpose, staff):
        raise LinkError("expired")
    return Link(staff, purpose, serial, issued)


def still_valid(link: Link) -> bool:
    """True while no newer link or password change has replaced ``link``."""
    current = AccountSecurity.objects.filter(staff=link.staff).values_list("link_serial", flat=True).first() or 0
    return current == link.serial
