"""Sign-in pages. The session carries the sign-in state:

- after a correct password, ``PREAUTH`` holds the account id (10 minutes);
  only the code pages and the first two first-sign-in steps (charter, OTP
  activation) accept it;
- Django's ``login()`` is called only after the second factor, so an
  authenticated session always means password + code.
"""

import secrets

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from calanque.academy.models import Staff
from calanque.accounts import actions, otp, queries, tokens
from calanque.accounts.flow import NEW_CODES, NEXT, PREAUTH, STEP_URLS, link_state, preauth_staff
from calanque.accounts.forms import CharterForm, CodeForm, PasswordStepForm, RecoveryCodeForm, RecoveryEmailForm
from calanque.core import clock
from calanque.core.clients import client_of

DEVICE_COOKIE = "calanque_appareil"
DEVICE_SALT = "calanque.accounts.device"
DEVICE_AGE = 180 * 24 * 3600


def _client(request) -> actions.Client:
    device = request.get_signed_cookie(DEVICE_COOKIE, default=None, salt=DEVICE_SALT, max_age=DEVICE_AGE)
    return client_of(request, device=device)


def _remember_device(request, response, staff: Staff):
    """Mark this browser as one this account signed in from (throttle.py)."""
    device = _client(request).device
    if not device or not device.startswith(f"{staff.pk}:"):
        device = f"{staff.pk}:{secrets.token_urlsafe(16)}"
    response.set_signed_cookie(DEVICE_COOKIE, device, salt=DEVICE_SALT, max_age=DEVICE_AGE, httponly=True,
                               samesite="Lax", secure=request.is_secure())
    return response


def _safe_next(request, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, request.is_secure()):
        return value
    return reverse("core:home")


def _step_staff(request, *, allow_link: bool = False) -> Staff | None:
    """The account a first-sign-in step is for: signed in, past the password,
    or (for the charter only) holding an activation link."""
    if request.user.is_authenticated:
        return request.user
    if allow_link:
        link, _state = link_state(request)
        if link is not None and link.purpose == tokens.ACTIVATION:
            return link.staff
    return preauth_staff(request)


def _complete_sign_in(request, staff: Staff, method: str):
    """Both factors are verified: open the session (login() gives it a new key)."""
    request.session.pop(PREAUTH, None)
    login(request, staff, backend="calanque.accounts.backends.StaffBackend")
    now = clock.now()
    request.session["calanque_auth_at"] = now
    request.session["calanque_seen_at"] = now
    request.session.save()
    actions.do_record_sign_in(staff, request.session.session_key, _client(request), method=method)
    days = actions.password_expires_in(staff)
    if days is not None and 0 < days <= actions.PASSWORD_WARNING_DAYS:
        messages.warning(request, _("Votre mot de passe expire dans %(n)d jour(s) : pensez à le changer.") % {"n": days})
    return _remember_device(request, _after_step(request, staff), staff)


def _after_step(request, staff: Staff, fallback: str = "core:home"):
    """The next first-sign-in step, else the page the user was going to when
    they signed in, else ``fallback``."""
    step = actions.next_first_sign_in_step(staff)
    if step is not None:
        return redirect(STEP_URLS[step])
    if NEXT in request.session:
        return redirect(_safe_next(request, request.session.pop(NEXT)))
    return redirect(fallback)


# --- Sign-in -----------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def sign_in(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request, request.GET.get("next")))
    if request.academy is None:
        return redirect(reverse("core:choose_academy") + "?" + urlencode({"next": request.get_full_path()}))
    form = PasswordStepForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        result = actions.do_verify_password(
            request.academy, form.cleaned_data["login"], form.cleaned_data["password"], _client(request)
        )
        if result.staff is not None:
            staff = result.staff
            request.session.cycle_key()
            request.session[PREAUTH] = {"uid": staff.pk, "at": clock.now()}
            request.session[NEXT] = _safe_next(request, request.POST.get("next"))
            step = actions.next_first_sign_in_step(staff)
            if step in ("charter", "otp"):
                return redirect(STEP_URLS[step])
            return redirect("accounts:code")
        error = result.error
    status = 200 if request.method == "GET" or (form.is_valid() and not error) else 400
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "accounts/login.html", {"form": form, "error": error, "next": next_url}, status=status)


def _code_page(request, form_class, verify, template, method):
    staff = preauth_staff(request)
    if staff is None:
        messages.info(request, _("Votre connexion a expiré : saisissez de nouveau votre identifiant et votre mot de passe."))
        return redirect("accounts:login")
    form = form_class(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        result = verify(staff, form.cleaned_data["code"], _client(request))
        if result.ok:
            return _complete_sign_in(request, staff, method)
        error = result.error
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"form": form, "error": error, "staff": staff,
                                      "recovery_url": reverse("accounts:recovery_code"),
                                      "code_url": reverse("accounts:code")}, status=status)


@require_http_methods(["GET", "POST"])
def code(request):
    return _code_page(request, CodeForm, actions.do_verify_code, "accounts/code.html", "mot de passe + code OTP")


@require_http_methods(["GET", "POST"])
def recovery_code(request):
    return _code_page(request, RecoveryCodeForm, actions.do_use_recovery_code, "accounts/recovery_code.html",
                      "mot de passe + code de secours")


def admin_sign_in(request, extra_context=None):
    """Django admin's login page, replaced by the portal's sign-in."""
    if request.user.is_authenticated:
        raise Http404  # signed in without admin rights: nothing to show
    return redirect(reverse("accounts:login") + "?" + urlencode({"next": request.GET.get("next", "/admin/")}))


@require_POST
def sign_out(request):
    if request.user.is_authenticated:
        actions.do_sign_out(request.user, request.session.session_key, _client(request))
    logout(request)
    messages.success(request, _("Vous êtes déconnecté."))
    return redirect("core:home")


# --- First sign-in -----------------------------------------------------------

def _wizard_context(staff: Staff, step: str) -> dict:
    steps = actions.first_sign_in_steps(staff)
    titles = {"charter": _("Charte d'utilisation"), "otp": _("Activation de la clé OTP"),
              "recovery_codes": _("Codes de secours"), "recovery_email": _("Adresse de secours")}
    index = steps.index(step) if step in steps else 0
    following = steps[index + 1] if index + 1 < len(steps) else None
    return {"step_number": index + 1, "step_count": len(steps), "step_title": titles[step],
            "next_title": titles[following] if following else None}


@require_http_methods(["GET", "POST"])
def charter(request):
    staff = _step_staff(request, allow_link=True)
    if staff is None:
        return redirect("accounts:login")
    form = CharterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.do_accept_charter(staff, _client(request))
        if request.user.is_authenticated:
            return _after_step(request, staff)
        if link_state(request)[0] is not None:
            return redirect("accounts:new_password")
        step = actions.next_first_sign_in_step(staff)
        return redirect(STEP_URLS["otp"] if step == "otp" else "accounts:code")
    return render(request, "accounts/charter.html", {"form": form, **_wizard_context(staff, "charter")},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def activate_otp(request):
    """Activation at first sign-in (after the password), or replacement of the
    device by a signed-in user who has just confirmed a current code."""
    staff = _step_staff(request)
    if staff is None:
        return redirect("accounts:login")
    security = actions.security_for(staff)
    # With a key already active, only a signed-in user (password + code) who
    # asked to replace the device may activate another one: the password
    # alone must never be enough.
    if security.otp_active and (security.otp_pending_key is None or not request.user.is_authenticated):
        if request.method == "POST":
            messages.info(request, _("Votre clé OTP est déjà activée."))
        return redirect("accounts:security" if request.user.is_authenticated else "accounts:code")
    if not request.user.is_authenticated and actions.next_first_sign_in_step(staff) == "charter":
        return redirect("accounts:charter")
    form = CodeForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        result = actions.do_confirm_otp_activation(staff, form.cleaned_data["code"], _client(request))
        if result.ok:
            request.session[NEW_CODES] = result.recovery_codes
            if request.user.is_authenticated:
                messages.success(request, _("Votre nouvel appareil est activé ; l'ancien ne fonctionne plus."))
                return redirect("accounts:recovery_codes")
            return _complete_sign_in(request, staff, "activation de la clé OTP")
        error = result.error
    key = actions.pending_key(staff)
    uri = otp.provisioning_uri(key, staff.email, staff.academy.name)
    context = {
        "form": form, "error": error, "key": otp.grouped(key), "qr": otp.qr_svg(uri, _("QR code de votre clé OTP")),
        "reactivation": security.otp_active, **_wizard_context(staff, "otp"),
    }
    return render(request, "accounts/activate_otp.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    codes = request.session.get(NEW_CODES)
    if request.method == "POST":
        if codes:
            actions.do_acknowledge_recovery_codes(request.user)
            request.session.pop(NEW_CODES)
            return _after_step(request, request.user, "accounts:security")
        if actions.security_for(request.user).recovery_codes_seen_at is not None:
            # Codes already saved: new ones need a current code (security page).
            return redirect("accounts:security")
        # First sign-in resumed after the browser was closed: the codes shown
        # then are lost, so issue new ones (the unseen ones stop working).
        request.session[NEW_CODES] = actions.do_regenerate_recovery_codes(request.user, _client(request))
        return redirect("accounts:recovery_codes")
    return render(request, "accounts/recovery_codes.html",
                  {"codes": codes, **_wizard_context(request.user, "recovery_codes")})


@login_required
def recovery_codes_file(request):
    codes = request.session.get(NEW_CODES)
    if not codes:
        raise Http404
    text = _("Codes de secours de %(account)s — chacun ne sert qu'une fois.\n\n") % {"account": request.user.email}
    response = HttpResponse(text + "\n".join(codes) + "\n", content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="codes-de-secours.txt"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def recovery_email(request):
    staff = request.user
    form = RecoveryEmailForm(request.POST or None, academy=staff.academy,
                             initial={"address": staff.recovery_email})
    if request.method == "POST" and form.is_valid():
        actions.do_set_recovery_email(staff, form.cleaned_data["address"], _client(request),
                                      base_url=request.build_absolute_uri("/"))
        messages.success(request, _("Un lien de vérification a été envoyé à %(address)s.")
                         % {"address": form.cleaned_data["address"]})
        return _after_step(request, staff, "accounts:security")
    return render(request, "accounts/recovery_email.html",
                  {"form": form, **_wizard_context(staff, "recovery_email")},
                  status=400 if request.method == "POST" else 200)


def verify_recovery_email(request, token):
    staff = actions.do_verify_recovery_email(token, _client(request))
    return render(request, "accounts/recovery_email_verified.html", {"verified": staff},
                  status=200 if staff else 400)


# --- The user's own security page --------------------------------------------

@login_required
def security(request):
    return render(request, "accounts/security.html", {
        "events": queries.recent_activity(request.user),
        "sessions": queries.open_sessions(request.user),
        "current_session": request.session.session_key,
        "codes_left": actions.recovery_codes_left(request.user),
        "account_security": actions.security_for(request.user),
        "password_expires_in": actions.password_expires_in(request.user),
    })


@login_required
@require_POST
def sign_out_others(request):
    count = actions.do_sign_out_other_sessions(request.user, request.session.session_key, _client(request))
    messages.success(request, _("%(count)d autre(s) session(s) fermée(s).") % {"count": count})
    return redirect("accounts:security")


def _with_current_code(request, then):
    form = CodeForm(request.POST)
    if form.is_valid():
        result = actions.do_verify_code(request.user, form.cleaned_data["code"], _client(request))
        if result.ok:
            return then()
        messages.error(request, result.error)
    else:
        messages.error(request, form.errors["code"][0])
    return redirect("accounts:security")


@login_required
@require_POST
def regenerate_recovery_codes(request):
    def then():
        request.session[NEW_CODES] = actions.do_regenerate_recovery_codes(request.user, _client(request))
        return redirect("accounts:recovery_codes")

    return _with_current_code(request, then)


@login_required
@require_POST
def replace_device(request):
    def then():
        actions.do_start_otp_reactivation(request.user)
        return redirect("accounts:activate_otp")

    return _with_current_code(request, then)


# --- Administrators ----------------------------------------------------------

@login_required
def activation_dashboard(request):
    if not request.user.is_superuser:
        raise Http404
    if request.GET.get("format") == "csv":
        response = HttpResponse(queries.activation_csv(request.user.academy), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="activations-otp.csv"'
        return response
    return render(request, "accounts/activation_dashboard.html",
                  {"report": queries.activation_report(request.user.academy)})


