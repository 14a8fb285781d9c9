"""Session lifetime and the first-sign-in wizard, enforced on every request."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from calanque.accounts import actions
from calanque.accounts.flow import STEP_URLS
from calanque.core import clock
from calanque.core.clients import client_of

AUTH_AT = "calanque_auth_at"
SEEN_AT = "calanque_seen_at"
# Refresh the "last seen" mark at most this often: a session write per
# request would cost more than it tells.
TOUCH_EVERY = 60


class SessionPolicyMiddleware:
    """Idle timeout (CALANQUE_SESSION_IDLE) and absolute lifetime
    (SESSION_COOKIE_AGE) of signed-in sessions."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            session, now = request.session, clock.now()
            signed_in_at = session.setdefault(AUTH_AT, now)
            seen_at = session.setdefault(SEEN_AT, now)
            if now - seen_at > settings.CALANQUE_SESSION_IDLE or now - signed_in_at > settings.SESSION_COOKIE_AGE:
                actions.do_sign_out(request.user, session.session_key,
                                    client_of(request), expired=True)
                logout(request)
                messages.info(request, _("Votre session a expiré. Reconnectez-vous pour continuer."))
                return redirect(reverse("accounts:login") + "?" + urlencode({"next": request.get_full_path()}))
            if now - seen_at > TOUCH_EVERY:
                session[SEEN_AT] = now
                actions.do_touch_session(session.session_key)
        return self.get_response(request)


class FirstSignInMiddleware:
    """A signed-in account that has not finished the first-sign-in steps
    (recovery codes saved, recovery address given…) is taken back to them."""

    ALLOWED = ("accounts:recovery_codes", "accounts:recovery_codes_file", "accounts:recovery_email",
               "accounts:charter", "accounts:activate_otp", "accounts:change_password", "accounts:logout",
               "set_language")

    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed = None

    def __call__(self, request):
        if request.user.is_authenticated and not request.session.get("calanque_ready"):
            if self._allowed is None:
                self._allowed = {reverse(name) for name in self.ALLOWED}
            step = actions.next_first_sign_in_step(request.user)
            if step is None:
                request.session["calanque_ready"] = True
            elif request.path not in self._allowed and not request.path.startswith(settings.STATIC_URL):
                return redirect(STEP_URLS[step])
        return self.get_response(request)
