from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _


def _navigation(request):
    items = [(reverse("core:home"), _("Accueil"), "")]
    if request.user.is_authenticated:
        items.append((reverse("webmail:home"), _("Messagerie"), _("Lire et envoyer votre courrier professionnel.")))
        items.append((reverse("directory:search"), _("Annuaire"), _("Retrouver un collègue, son établissement et son adresse.")))
        items.append((reverse("assistance:home"), _("Assistance"), _("Demander de l'aide et suivre vos demandes.")))
    return [
        {"url": url, "label": label, "description": description,
         "current": request.path == url if url == "/" else request.path.startswith(url)}
        for url, label, description in items
    ]


def portal(request):
    return {
        "academy": getattr(request, "academy", None),
        "several_academies": len(getattr(request, "academies", [])) > 1,
        "navigation": _navigation(request) if hasattr(request, "user") else [],
        "LANGUAGES": settings.LANGUAGES,
        "demo": settings.CALANQUE_DEMO,
    }
