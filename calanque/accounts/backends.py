"""Sign-in with the identifiant académique or the full address."""

from django.contrib.auth.backends import ModelBackend

from calanque.academy.models import Staff


def normalise_login(value: str, academy) -> str:
    """« Prenom.Nom  » → « prenom.nom@ac-….fr »: trimmed, lower case, with the
    académie's domain when only the identifier was typed."""
    value = value.strip().lower()
    if "@" not in value and academy is not None:
        value = f"{value}@{academy.domain}"
    return value


class StaffBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        email = normalise_login(username, getattr(request, "academy", None))
        try:
            staff = Staff.objects.get(email=email)
        except Staff.DoesNotExist:
            # Hash anyway so that an unknown identifier costs the same time
            # as a wrong password (no account enumeration by timing).
            Staff().set_password(password)
            return None
        if staff.check_password(password) and self.user_can_authenticate(staff):
            return staff
        return None
