"""The authentication backend Django's ``login()`` records in the session.

Credentials are checked by ``accounts.actions`` (password, then code), never
through ``authenticate()``: this backend only reloads the signed-in user and
refuses a disabled one.
"""

from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        return None
