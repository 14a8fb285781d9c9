from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from calanque.accounts.views import admin_sign_in

admin.site.site_header = "Administration de Calanque"
admin.site.site_title = "Calanque"
admin.site.index_title = "Administration"
# The admin has no sign-in of its own: the portal's (password + code) serves it.
admin.site.login = admin_sign_in

urlpatterns = [
    path("", include("calanque.core.urls")),
    path("compte/", include("calanque.accounts.urls")),
    path("messagerie/", include("calanque.webmail.urls")),
    path("annuaire/", include("calanque.directory.urls")),
    path("assistance/", include("calanque.assistance.urls")),
    path("langue/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

handler404 = "calanque.core.errors.not_found"
handler500 = "calanque.core.errors.server_error"
handler403 = "calanque.core.errors.forbidden"
handler400 = "calanque.core.errors.bad_request"
