"""The messages the sign-in domain sends: plain French text with the
académie's name, no tracking, and the reminder that nobody will ever ask for a
password or a code. Sent in the caller's transaction (mail.sending): local
addresses get them in their INBOX, outside ones through the outbound queue."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from calanque.mail.sending import notify


def _queue(to, subject: str, template: str, **context) -> None:
    staff = context.get("staff")
    academy = context.get("academy") or (staff.academy if staff else None)
    body = render_to_string(f"accounts/emails/{template}.txt", {"academy": academy, **context})
    notify(to, f"{subject} — {academy.name}" if academy else subject, body.strip() + "\n", academy=academy)


def reset_link(staff, link: str) -> None:
    _queue(staff.recovery_email, _("Réinitialisation de votre mot de passe"), "reset", staff=staff, link=link)


def activation_link(staff, link: str) -> None:
    _queue(staff.recovery_email, _("Activation de votre compte"), "activation", staff=staff, link=link)


def identifiers(address: str, accounts: list, login_url: str) -> None:
    _queue(address, _("Votre identifiant"), "identifiers", accounts=accounts, login_url=login_url,
           academy=accounts[0].academy)


def password_changed(staff) -> None:
    to = [staff.email] + ([staff.recovery_email] if staff.recovery_email else [])
    _queue(to, _("Votre mot de passe a été changé"), "password_changed", staff=staff, when=timezone.localtime())


def verify_recovery_email(staff, address: str, link: str) -> None:
    _queue(address, _("Vérifiez votre adresse de secours"), "verify_recovery_email", staff=staff, link=link)


def password_expiring(staff, days: int) -> None:
    _queue(staff.email, _("Votre mot de passe expire bientôt"), "password_expiring", staff=staff, days=days)
