"""Which académie a request is for.

One installation may serve several académies (a région académique). The
académie is, in order: the one whose mail domain ends the requested host name
(``messagerie.ac-nice.fr``), the signed-in user's, the visitor's remembered
choice (a cookie), or the only one configured. When none applies the portal's
first page asks the visitor to choose.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

from calanque.academy.models import Academy

ACADEMY_COOKIE = "calanque_academie"


def academy_for(request, academies: list[Academy]) -> Academy | None:
    if len(academies) == 1:
        return academies[0]
    host = request.get_host().split(":", 1)[0].lower()
    for academy in academies:
        if host == academy.domain or host.endswith("." + academy.domain):
            return academy
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return next((a for a in academies if a.id == user.academy_id), None)
    chosen = request.COOKIES.get(ACADEMY_COOKIE)
    return next((a for a in academies if a.slug == chosen), None)


class AcademyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        academies = list(Academy.objects.all())
        request.academies = academies
        request.academy = academy_for(request, academies)
        return self.get_response(request)


class LanguageMiddleware:
    """French unless the visitor chose otherwise.

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is not
    consulted: the portal of a French académie speaks French to everyone by
    default, and English is an explicit choice (a cookie set by the language
    switch in the header).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response
