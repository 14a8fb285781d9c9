from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from calanque.core.middleware import ACADEMY_COOKIE
from calanque.mail.queries import demo_outbox_messages


def home(request):
    if request.academy is None:
        return redirect("core:choose_academy")
    return render(request, "core/home.html")


@require_http_methods(["GET", "POST"])
def choose_academy(request):
    if request.method == "POST":
        chosen = next((a for a in request.academies if a.slug == request.POST.get("academie")), None)
        if chosen is not None:
            target = request.POST.get("next") or reverse("core:home")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                target = reverse("core:home")
            response = HttpResponseRedirect(target)
            response.set_cookie(
                ACADEMY_COOKIE, chosen.slug, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                secure=request.is_secure(),
            )
            return response
        return render(request, "core/choose_academy.html", {"error": True}, status=400)
    return render(request, "core/choose_academy.html")


def accessibility(request):
    return render(request, "core/notice.html", {"kind": "accessibility"})


def legal(request):
    return render(request, "core/notice.html", {"kind": "legal"})


def privacy(request):
    return render(request, "core/notice.html", {"kind": "privacy"})


def help_signin(request):
    return render(request, "core/help_signin.html")


def demo_outbox(request):
    """« Boîte d'envoi de démonstration »: the last messages the portal sent,
    so that a newcomer can follow recovery links without a mail server.
    Exists only in demo mode."""
    if not settings.CALANQUE_DEMO:
        raise Http404
    return render(request, "core/demo_outbox.html", {"emails": demo_outbox_messages()})
