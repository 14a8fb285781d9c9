"""Error pages in the portal's look, in French. Each renders without touching
the database, so that they work even when it is the database that failed."""

from django.shortcuts import render
from django.utils.translation import gettext as _


def _page(request, status, title, text):
    return render(request, "core/error.html", {"status": status, "title": title, "text": text}, status=status)


def not_found(request, exception=None):
    return _page(request, 404, _("Page introuvable"), _("La page demandée n'existe pas ou a été déplacée."))


def forbidden(request, exception=None):
    return _page(request, 403, _("Accès refusé"), _("Vous n'avez pas accès à cette page."))


def bad_request(request, exception=None):
    return _page(request, 400, _("Requête invalide"), _("La requête envoyée par votre navigateur est invalide."))


def server_error(request):
    return _page(
        request, 500, _("Erreur inattendue"),
        _("Une erreur est survenue de notre côté. Réessayez dans quelques instants ; si elle persiste, contactez l'assistance."),
    )


def csrf_failure(request, reason=""):
    return _page(request, 403, _("Formulaire expiré"),
                 _("La page est restée ouverte trop longtemps ou les cookies sont bloqués. Rechargez la page et "
                   "recommencez."))
