"""Recovery pages: forgotten password or identifier, single-use links,
password change. The link state lives in the session under ``LINK`` (the
token itself leaves the URL at once, so it never reaches a Referer header)."""

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from calanque.accounts import actions, queries, recovery, tokens
from calanque.accounts.flow import LINK, PREAUTH, STEP_URLS, link_state
from calanque.accounts.forms import (
    ChangePasswordForm,
    CodeForm,
    ForgotIdentifierForm,
    ForgotPasswordForm,
    NewPasswordForm,
    RecoveryCodeForm,
)
from calanque.accounts.views import _client
from calanque.core import clock
from calanque.directory.queries import search_staff


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


@require_http_methods(["GET", "POST"])
def forgot_password(request):
    if request.academy is None:
        return redirect(reverse("core:choose_academy") + "?" + urlencode({"next": request.get_full_path()}))
    form = ForgotPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        recovery.do_request_password_reset(request.academy, form.cleaned_data["login"], _client(request),
                                           base_url=_base_url(request))
        return render(request, "accounts/request_sent.html", {"kind": "password"})
    return render(request, "accounts/forgot_password.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def forgot_identifier(request):
    form = ForgotIdentifierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        recovery.do_request_identifiers(request.academy, form.cleaned_data["address"], form.cleaned_data["last_name"],
                                     _client(request), login_url=request.build_absolute_uri(reverse("accounts:login")))
        return render(request, "accounts/request_sent.html", {"kind": "identifier"})
    return render(request, "accounts/forgot_identifier.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


def open_link(request, token):
    try:
        link = tokens.read_token(token)
    except tokens.LinkError as exc:
        actions.record_event("link_refused", _client(request), detail=exc.reason)
        return render(request, "accounts/link_error.html", {"reason": exc.reason}, status=400)
    if request.user.is_authenticated and request.user.pk != link.staff.pk:
        logout(request)
    request.session.cycle_key()
    security = actions.security_for(link.staff)
    # The second factor is asked whenever the account has a key, whatever the
    # link: an activation link sent to an active account must not bypass it.
    request.session[LINK] = {"u": link.staff.pk, "p": link.purpose, "s": link.serial, "t": link.issued_at,
                             "code_ok": not security.otp_active}
    if link.purpose == tokens.ACTIVATION and actions.next_first_sign_in_step(link.staff) == "charter":
        return redirect("accounts:charter")
    return redirect("accounts:new_password")


def _expired(request):
    return render(request, "accounts/link_error.html", {"reason": "used"}, status=400)


def _link_code_page(request, form_class, verify, template):
    link, state = link_state(request)
    if link is None:
        return _expired(request)
    form = form_class(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        result = verify(link.staff, form.cleaned_data["code"], _client(request))
        if result.ok:
            state["code_ok"] = True
            request.session[LINK] = state
            return redirect("accounts:new_password")
        error = result.error
    return render(request, template, {"form": form, "error": error, "staff": link.staff,
                                      "recovery_url": reverse("accounts:link_recovery_code"),
                                      "code_url": reverse("accounts:link_code")},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def link_code(request):
    return _link_code_page(request, CodeForm, actions.do_verify_code, "accounts/code.html")


@require_http_methods(["GET", "POST"])
def link_recovery_code(request):
    return _link_code_page(request, RecoveryCodeForm, actions.do_use_recovery_code, "accounts/recovery_code.html")


@require_http_methods(["GET", "POST"])
def new_password(request):
    link, state = link_state(request)
    if link is None:
        return _expired(request)
    if not state["code_ok"]:
        return redirect("accounts:link_code")
    form = NewPasswordForm(request.POST or None, staff=link.staff)
    if request.method == "POST" and form.is_valid():
        recovery.do_set_password(link.staff, form.cleaned_data["password1"], _client(request), link=link)
        request.session.pop(LINK, None)
        if link.purpose == tokens.ACTIVATION:
            # The person proved the recovery mailbox and chose the password:
            # the first sign-in continues with the OTP key.
            request.session[PREAUTH] = {"uid": link.staff.pk, "at": clock.now()}
            messages.success(request, _("Votre mot de passe est enregistré."))
            step = actions.next_first_sign_in_step(link.staff)
            return redirect(STEP_URLS[step] if step in ("charter", "otp") else "accounts:code")
        messages.success(request, _("Votre mot de passe a été changé. Connectez-vous avec le nouveau mot de passe."))
        return redirect("accounts:login")
    return render(request, "accounts/new_password.html", {"form": form, "link": link},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def change_password(request):
    staff = request.user
    form = ChangePasswordForm(request.POST or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        client = _client(request)
        check = actions.do_verify_password(staff.academy, staff.email, form.cleaned_data["current"], client)
        if check.staff is None:
            form.add_error("current", check.error if check.locked else _("Mot de passe actuel incorrect."))
        else:
            result = actions.do_verify_code(staff, form.cleaned_data["code"], client)
            if not result.ok:
                form.add_error("code", result.error)
            else:
                recovery.do_set_password(staff, form.cleaned_data["password1"], client,
                                         keep_session=request.session.session_key)
                update_session_auth_hash(request, staff)
                messages.success(request, _("Votre mot de passe a été changé ; vos autres sessions ont été fermées."))
                return redirect("accounts:security")
    return render(request, "accounts/change_password.html", {"form": form},
                  status=400 if request.method == "POST" else 200)



@login_required
@require_http_methods(["GET", "POST"])
def agent_activation(request):
    """Support agents send an activation link (first password) to the
    recovery address of a person they support."""
    people = queries.staff_supported_by(request.user)
    if people is None:
        raise Http404
    if request.method == "POST":
        staff = people.filter(pk=request.POST.get("staff", "0") if request.POST.get("staff", "").isdigit()
                              else 0).first()
        if staff is None:
            raise Http404
        if recovery.do_send_activation_link(request.user, staff, _client(request), base_url=_base_url(request)):
            messages.success(request, _("Lien d'activation envoyé à l'adresse de secours de %(name)s.")
                             % {"name": staff.get_full_name()})
        else:
            messages.error(request, _("%(name)s n'a pas d'adresse de secours : le lien ne peut pas être envoyé.")
                           % {"name": staff.get_full_name()})
        return redirect(reverse("accounts:agent_activation") + "?" + urlencode({"q": request.POST.get("q", "")}))
    text = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    found = list(search_staff(request.user.academy, text).filter(pk__in=people)[:50]) if text else []
    return render(request, "accounts/agent_activation.html", {"q": text, "found": found})
