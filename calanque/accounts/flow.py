"""Where a browser is in the sign-in, first-sign-in and recovery flows.

The state lives in the session:

- ``PREAUTH``: the password was right (account id and time, valid 10
  minutes); only the code pages and the first wizard steps accept it;
- ``LINK``: a reset or activation link was opened (account, purpose, serial,
  whether the second factor was given); valid while it is the latest link;
- ``NEXT``: where the person was going when asked to sign in.
"""

from calanque.academy.models import Staff
from calanque.accounts import tokens
from calanque.core import clock

PREAUTH = "calanque_preauth"
PREAUTH_TTL = 10 * 60
LINK = "calanque_link"
NEXT = "calanque_next"
NEW_CODES = "calanque_new_codes"

STEP_URLS = {
    "charter": "accounts:charter",
    "otp": "accounts:activate_otp",
    "recovery_codes": "accounts:recovery_codes",
    "recovery_email": "accounts:recovery_email",
    "password": "accounts:change_password",
}


def preauth_staff(request) -> Staff | None:
    state = request.session.get(PREAUTH)
    if not state or clock.now() - state["at"] > PREAUTH_TTL:
        return None
    return Staff.objects.filter(pk=state["uid"], is_active=True).select_related("academy").first()


def link_state(request) -> tuple[tokens.Link, dict] | tuple[None, None]:
    """The link opened in this browser, while it is still the latest one."""
    state = request.session.get(LINK)
    if not state:
        return None, None
    staff = Staff.objects.filter(pk=state["u"], is_active=True).select_related("academy").first()
    link = tokens.Link(staff, state["p"], state["s"]) if staff else None
    expired = link is not None and clock.now() - state.get("t", 0) > tokens.validity(link.purpose, staff)
    if link is None or expired or not tokens.still_valid(link):
        request.session.pop(LINK, None)
        return None, None
    return link, state
