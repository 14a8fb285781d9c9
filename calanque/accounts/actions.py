"""Writes of the sign-in domain. Views, commands and the admin call these;
nothing else saves the models of ``accounts``.

None of these functions needs the HTTP request: callers pass the client's IP
and user agent. Secrets (passwords, codes, keys) are never logged or stored in
clear; the audit log records what happened, when and from where.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from calanque.academy.models import Academy, Staff
from calanque.accounts import notices, otp, throttle
from calanque.accounts.models import AccountSecurity, AuditEvent, RecoveryCode, UserSession
from calanque.core import clock
from calanque.core.clients import Client

RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
EMAIL_TOKEN_SALT = "calanque.accounts.recovery-email"
EMAIL_TOKEN_MAX_AGE = 3 * 24 * 3600
# A hash computed for unknown identifiers and accounts without a password, so
# that every failure costs one Argon2 verification (no timing oracle).
_DUMMY_HASH = None


def _subject(email: str, staff: Staff | None, client: Client) -> str:
    """What failures are counted against: the account, or — from a browser
    that already signed in to this account — that device alone, so that an
    attacker hammering the account cannot lock its owner out."""
    if staff is not None and client.device and client.device.startswith(f"{staff.pk}:"):
        return f"device:{client.device}"
    return email


def _loggable_identifier(value: str) -> str:
    # What was typed in the identifier field, only when it looks like one: a
    # password typed in the wrong field must not land in the log.
    return value if re.fullmatch(r"[a-z0-9._'-]+(@[a-z0-9.-]+)?", value) else "(saisie non conforme)"


def record_event(kind: str, client: Client, *, staff: Staff | None = None, attempted: str = "", detail: str = ""):
    attempted = _loggable_identifier(attempted) if attempted else ""
    return AuditEvent.objects.create(
        staff=staff, kind=kind, attempted_identifier=attempted[:254], ip=client.ip,
        user_agent=client.user_agent[:300], detail=detail[:200],
    )


def security_for(staff: Staff) -> AccountSecurity:
    security, _ = AccountSecurity.objects.get_or_create(staff=staff)
    return security


# --- Password step -----------------------------------------------------------

@dataclass
class PasswordResult:
    staff: Staff | None
    error: str | None = None
    locked: bool = False


def _lock_message(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return ngettext(
        "Trop de tentatives. Réessayez dans %(n)d minute.",
        "Trop de tentatives. Réessayez dans %(n)d minutes.",
        minutes,
    ) % {"n": minutes}


def normalise_login(value: str, academy: Academy | None) -> str:
    """« Prenom.Nom  » → « prenom.nom@ac-….fr »: trimmed, lower case, with the
    académie's domain when only the identifier was typed."""
    value = value.strip().lower()
    if "@" not in value and academy is not None:
        value = f"{value}@{academy.domain}"
    return value


def _dummy_check(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = make_password(secrets.token_urlsafe(16))
    check_password(password, _DUMMY_HASH)


def do_verify_password(academy: Academy | None, login: str, password: str, client: Client) -> PasswordResult:
    """First factor. The same message, and one Argon2 verification, for an
    unknown identifier, a wrong password, a disabled account or an account
    that has no password yet. Counts failures per typed account and per IP."""
    email = normalise_login(login, academy)
    generic = _("Identifiant ou mot de passe incorrect.")
    staff = Staff.objects.filter(email=email).select_related("academy").first()
    subject = _subject(email, staff, client)
    wait = max(throttle.locked_for(throttle.account_rule(), subject),
               throttle.locked_for(throttle.ip_rule(), client.ip or "-"))
    if wait:
        return PasswordResult(None, _lock_message(wait), locked=True)
    if staff is None or not staff.has_usable_password():
        _dummy_check(password)
        ok = False
    else:
        ok = staff.check_password(password)  # rehashes when Argon2 parameters change
    if ok and staff.is_active:
        # The counter is reset only after the second factor: a correct
        # password must not wipe the failed codes that follow it.
        return PasswordResult(staff)
    reason = "inconnu" if staff is None else ("désactivé" if not staff.is_active else "mot de passe")
    record_event(AuditEvent.Kind.SIGNIN_FAILURE, client, staff=staff, attempted="" if staff else email, detail=reason)
    _count_failure(subject, staff, client)
    return PasswordResult(None, generic)


def _count_failure(subject: str, staff: Staff | None, client: Client) -> None:
    locked = throttle.record_failure(throttle.account_rule(), subject)
    locked_ip = throttle.record_failure(throttle.ip_rule(), client.ip or "-")
    if locked or locked_ip:
        record_event(AuditEvent.Kind.LOCKOUT, client, staff=staff, attempted="" if staff else subject[:254],
                     detail="adresse IP" if locked_ip and not locked else "compte")


# --- Second factor -----------------------------------------------------------

@dataclass
class CodeResult:
    ok: bool
    error: str | None = None


def _code_lock(staff: Staff, client: Client) -> int:
    return max(throttle.locked_for(throttle.account_rule(), _subject(staff.email, staff, client)),
               throttle.locked_for(throttle.ip_rule(), client.ip or "-"))


def _code_failed(staff: Staff, client: Client) -> None:
    _count_failure(_subject(staff.email, staff, client), staff, client)


def _signed_in(staff: Staff, client: Client) -> None:
    """Both factors given: clear the account's and this device's failures."""
    throttle.reset(throttle.account_rule(), staff.email)
    throttle.reset(throttle.account_rule(), _subject(staff.email, staff, client))


def do_verify_code(staff: Staff, code: str, client: Client) -> CodeResult:
    """Second factor: a TOTP code of the active key, in the previous, current
    or next 30-second step, never twice in the same step."""
    if wait := _code_lock(staff, client):
        return CodeResult(False, _lock_message(wait))
    code = otp.normalise_code(code)
    if not otp.CODE_PATTERN.match(code):
        return CodeResult(False, _("Le code doit comporter 6 chiffres."))
    with transaction.atomic():
        security = AccountSecurity.objects.select_for_update().get(staff=staff)
        if security.otp_key is None:
            return CodeResult(False, _("Aucune clé OTP n'est active sur ce compte."))
        step = otp.matching_step(otp.decrypt(security.otp_key), code, now=clock.now())
        if step is not None and step > security.otp_last_step:
            security.otp_last_step = step
            security.save(update_fields=["otp_last_step"])
            _signed_in(staff, client)
            return CodeResult(True)
    detail = "code déjà utilisé" if step is not None else "code incorrect"
    record_event(AuditEvent.Kind.OTP_FAILURE, client, staff=staff, detail=detail)
    _code_failed(staff, client)
    if step is not None:
        return CodeResult(False, _("Ce code a déjà été utilisé. Attendez le code suivant."))
    return CodeResult(False, _("Code incorrect ou expiré."))


def _recovery_hash(code: str) -> str:
    normalised = "".join(c for c in code.upper() if c.isalnum())
    return hmac.new(settings.SECRET_KEY.encode(), f"recovery:{normalised}".encode(), hashlib.sha256).hexdigest()


def do_use_recovery_code(staff: Staff, code: str, client: Client) -> CodeResult:
    if wait := _code_lock(staff, client):
        return CodeResult(False, _lock_message(wait))
    with transaction.atomic():
        row = (
            RecoveryCode.objects.select_for_update()
            .filter(staff=staff, code_hash=_recovery_hash(code), used_at__isnull=True)
            .first()
        )
        if row is not None:
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
            left = RecoveryCode.objects.filter(staff=staff, used_at__isnull=True).count()
            record_event(AuditEvent.Kind.RECOVERY_CODE_USED, client, staff=staff, detail=f"{left} restant(s)")
            _signed_in(staff, client)
            return CodeResult(True)
    record_event(AuditEvent.Kind.OTP_FAILURE, client, staff=staff, detail="code de secours incorrect")
    _code_failed(staff, client)
    return CodeResult(False, _("Code de secours incorrect ou déjà utilisé."))


def _new_recovery_codes(staff: Staff) -> list[str]:
    RecoveryCode.objects.filter(staff=staff).delete()
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create(RecoveryCode(staff=staff, code_hash=_recovery_hash(c)) for c in codes)
    return codes


def do_regenerate_recovery_codes(staff: Staff, client: Client) -> list[str]:
    """Replace every recovery code; the new ones are returned to be shown once."""
    with transaction.atomic():
        codes = _new_recovery_codes(staff)
        AccountSecurity.objects.filter(staff=staff).update(recovery_codes_seen_at=None)
        record_event(AuditEvent.Kind.RECOVERY_CODES_REGENERATED, client, staff=staff)
    return codes


def recovery_codes_left(staff: Staff) -> int:
    return RecoveryCode.objects.filter(staff=staff, used_at__isnull=True).count()


# --- OTP activation ----------------------------------------------------------

def pending_key(staff: Staff) -> str:
    """The key being activated, created on first call and kept until
    confirmed, so that a reload, a second tab or a closed browser shows the
    same key (the QR code already scanned stays valid)."""
    with transaction.atomic():
        security = security_for(staff)
        security = AccountSecurity.objects.select_for_update().get(pk=security.pk)
        if security.otp_pending_key is None:
            security.otp_pending_key = otp.encrypt(otp.new_key())
            security.save(update_fields=["otp_pending_key"])
        return otp.decrypt(security.otp_pending_key)


@dataclass
class ActivationResult:
    ok: bool
    error: str | None = None
    recovery_codes: list[str] | None = None


def do_confirm_otp_activation(staff: Staff, code: str, client: Client) -> ActivationResult:
    """Make the pending key active after one correct code from it, and issue
    new recovery codes. The previous key (re-activation) stops working at the
    same instant."""
    if wait := _code_lock(staff, client):
        return ActivationResult(False, _lock_message(wait))
    code = otp.normalise_code(code)
    if not otp.CODE_PATTERN.match(code):
        return ActivationResult(False, _("Le code doit comporter 6 chiffres."))
    with transaction.atomic():
        security = AccountSecurity.objects.select_for_update().get(staff=staff)
        if security.otp_pending_key is None:
            if security.otp_key is not None:
                return ActivationResult(False, _("Votre clé OTP est déjà activée."))
            return ActivationResult(False, _("Aucune activation en cours : rechargez la page."))
        key = otp.decrypt(security.otp_pending_key)
        step = otp.matching_step(key, code, now=clock.now())
        if step is not None:
            reactivation = security.otp_key is not None
            security.otp_key, security.otp_pending_key = security.otp_pending_key, None
            security.otp_activated_at = timezone.now()
            security.otp_last_step = step
            security.recovery_codes_seen_at = None
            security.save(update_fields=[
                "otp_key", "otp_pending_key", "otp_activated_at", "otp_last_step", "recovery_codes_seen_at",
            ])
            codes = _new_recovery_codes(staff)
            record_event(AuditEvent.Kind.OTP_ACTIVATED, client, staff=staff,
                         detail="nouvel appareil" if reactivation else "")
            _signed_in(staff, client)
            return ActivationResult(True, recovery_codes=codes)
    record_event(AuditEvent.Kind.OTP_FAILURE, client, staff=staff, detail="activation : code incorrect")
    _code_failed(staff, client)
    return ActivationResult(False, _("Code incorrect. Vérifiez l'heure de votre téléphone et saisissez le code affiché."))


def do_start_otp_reactivation(staff: Staff) -> None:
    """Start replacing the device (after the caller checked a current code):
    a new pending key; the old key keeps working until the new one is confirmed."""
    with transaction.atomic():
        AccountSecurity.objects.filter(staff=staff).update(otp_pending_key=otp.encrypt(otp.new_key()))


def do_reset_otp(actor: Staff, staff: Staff, client: Client) -> None:
    """Support removes the key (lost device, identity checked): the next
    sign-in asks to activate a new one. Recovery codes go with the key."""
    with transaction.atomic():
        security = security_for(staff)
        security.otp_key = security.otp_pending_key = None
        security.otp_activated_at = security.recovery_codes_seen_at = None
        security.save(update_fields=["otp_key", "otp_pending_key", "otp_activated_at", "recovery_codes_seen_at"])
        RecoveryCode.objects.filter(staff=staff).delete()
        record_event(AuditEvent.Kind.OTP_RESET, client, staff=staff, detail=f"par {actor.identifier}")
        end_sessions(staff, keep=None)


# --- First sign-in -----------------------------------------------------------

STEPS = ["charter", "otp", "recovery_codes", "recovery_email"]
PASSWORD_WARNING_DAYS = 14


def first_sign_in_steps(staff: Staff) -> list[str]:
    """The steps of the first-sign-in wizard that apply to this account, in order."""
    academy = staff.academy
    return [s for s in STEPS if s != "charter" or (academy.charter_required and academy.charter_text)]


def next_first_sign_in_step(staff: Staff, security: AccountSecurity | None = None) -> str | None:
    """The first step not yet done, or None when the account is ready."""
    security = security or security_for(staff)
    done = {
        "charter": security.charter_accepted_at is not None,
        "otp": security.otp_active,
        "recovery_codes": security.recovery_codes_seen_at is not None,
        "recovery_email": security.recovery_step_done_at is not None,
    }
    step = next((s for s in first_sign_in_steps(staff) if not done[s]), None)
    if step is None and password_expires_in(staff, security) is not None and password_expires_in(staff, security) <= 0:
        return "password"
    return step


def password_expires_in(staff: Staff, security: AccountSecurity | None = None) -> int | None:
    """Days before the password must change under the académie's maximum age
    (negative when overdue), or None when there is no maximum age."""
    days = staff.academy.password_max_age_days
    if not days:
        return None
    security = security or security_for(staff)
    changed = security.password_changed_at or staff.created_at
    return days - (timezone.now() - changed).days


def do_accept_charter(staff: Staff, client: Client) -> None:
    with transaction.atomic():
        security = security_for(staff)
        if security.charter_accepted_at is None:
            security.charter_accepted_at = timezone.now()
            security.save(update_fields=["charter_accepted_at"])
            record_event(AuditEvent.Kind.CHARTER_ACCEPTED, client, staff=staff)


def do_acknowledge_recovery_codes(staff: Staff) -> None:
    AccountSecurity.objects.filter(staff=staff).update(recovery_codes_seen_at=timezone.now())


def recovery_email_token(staff: Staff, address: str) -> str:
    return signing.dumps({"s": staff.pk, "a": address}, salt=EMAIL_TOKEN_SALT)


def do_set_recovery_email(staff: Staff, address: str, client: Client, *, base_url: str) -> None:
    """Record the recovery address the user confirmed or typed, and send a
    verification link to it; the address counts for recovery once verified."""
    address = address.strip().lower()
    with transaction.atomic():
        if staff.recovery_email != address:
            staff.recovery_email = address
            staff.save(update_fields=["recovery_email"])
        security = security_for(staff)
        security.recovery_step_done_at = timezone.now()
        security.save(update_fields=["recovery_step_done_at"])
        if security.recovery_email_verified != address:
            link = base_url.rstrip("/") + reverse(
                "accounts:verify_recovery_email", args=[recovery_email_token(staff, address)]
            )
            notices.verify_recovery_email(staff, address, link)


def do_trust_recovery_email(staff: Staff) -> None:
    """Count the address on file as verified without a link: only for data
    whose addresses are known to be right (the demo académie)."""
    with transaction.atomic():
        security = security_for(staff)
        security.recovery_email_verified = staff.recovery_email
        security.save(update_fields=["recovery_email_verified"])


def do_verify_recovery_email(token: str, client: Client) -> Staff | None:
    """Mark the address carried by ``token`` as verified; None if the link is
    invalid, expired, or the address has changed since."""
    try:
        data = signing.loads(token, salt=EMAIL_TOKEN_SALT, max_age=EMAIL_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    staff = Staff.objects.filter(pk=data.get("s"), is_active=True).first()
    if staff is None or staff.recovery_email != data.get("a"):
        return None
    with transaction.atomic():
        security = security_for(staff)
        if security.recovery_email_verified != staff.recovery_email:
            security.recovery_email_verified = staff.recovery_email
            security.save(update_fields=["recovery_email_verified"])
            record_event(AuditEvent.Kind.RECOVERY_EMAIL_VERIFIED, client, staff=staff)
    return staff


# --- Sessions ----------------------------------------------------------------

def do_record_sign_in(staff: Staff, session_key: str, client: Client, *, method: str) -> None:
    with transaction.atomic():
        UserSession.objects.update_or_create(
            session_key=session_key,
            defaults={"staff": staff, "ip": client.ip, "user_agent": client.user_agent[:300],
                      "created_at": timezone.now(), "last_seen_at": timezone.now()},
        )
        record_event(AuditEvent.Kind.SIGNIN_SUCCESS, client, staff=staff, detail=method)


def do_sign_out(staff: Staff, session_key: str | None, client: Client, *, expired: bool = False) -> None:
    UserSession.objects.filter(session_key=session_key).delete()
    record_event(AuditEvent.Kind.SESSION_EXPIRED if expired else AuditEvent.Kind.SIGNOUT, client, staff=staff)


def end_sessions(staff: Staff, *, keep: str | None) -> int:
    """End every session of ``staff`` except ``keep``; return how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    rows = list(UserSession.objects.filter(staff=staff).exclude(session_key=keep or ""))
    for row in rows:
        store(session_key=row.session_key).delete()
    UserSession.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return len(rows)


def do_sign_out_other_sessions(staff: Staff, keep: str, client: Client) -> int:
    count = end_sessions(staff, keep=keep)
    record_event(AuditEvent.Kind.SIGNOUT_OTHERS, client, staff=staff, detail=f"{count} session(s)")
    return count


def do_touch_session(session_key: str) -> None:
    UserSession.objects.filter(session_key=session_key).update(last_seen_at=timezone.now())


def send_password_reminders() -> int:
    """Mail a reminder, once per password, to accounts whose password
    expires within PASSWORD_WARNING_DAYS under their académie's maximum age
    (run daily by the worker). Returns how many were sent."""
    sent = 0
    for academy in Academy.objects.filter(password_max_age_days__gt=0):
        people = Staff.objects.filter(academy=academy, is_active=True).exclude(password__startswith="!")
        for staff in people.select_related("academy").iterator():
            security = security_for(staff)
            days = password_expires_in(staff, security)
            changed = security.password_changed_at or staff.created_at
            already = security.password_reminder_sent_at and security.password_reminder_sent_at >= changed
            if days is None or not 0 < days <= PASSWORD_WARNING_DAYS or already:
                continue
            with transaction.atomic():
                notices.password_expiring(staff, days)
                AccountSecurity.objects.filter(pk=security.pk).update(password_reminder_sent_at=timezone.now())
            sent += 1
    return sent


def do_unlock(actor: Staff, staff: Staff, client: Client) -> None:
    """Support lifts a lock-out (after checking who is asking): the
    account's failure counters start again from zero."""
    throttle.reset(throttle.account_rule(), staff.email)
    record_event(AuditEvent.Kind.LOCKOUT, client, staff=staff, detail=f"levé par {actor.identifier}")
