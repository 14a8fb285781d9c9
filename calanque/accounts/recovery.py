"""Self-service recovery actions: forgotten password, forgotten identifier,
activation links, password changes.

The request actions answer nothing to the caller: whether an account exists,
has a verified recovery address or was throttled, the caller shows the same
page, and every path writes the same two rows (the request and its audit
event), so the response time does not depend on the account either. The worker
answers the requests (links, identifiers) and delivers the messages.
"""

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from calanque.academy.models import Academy, Staff
from calanque.accounts import notices, throttle, tokens
from calanque.accounts.actions import Client, end_sessions, normalise_login, record_event, security_for
from calanque.accounts.models import AccountSecurity, AuditEvent, RecoveryRequest

RESET_PER_ACCOUNT = throttle.Rule("reset", free_failures=3, base_delay=3600, max_delay=3600, window=3600)
RESET_PER_IP = throttle.Rule("reset-ip", free_failures=20, base_delay=3600, max_delay=3600, window=3600)


def _allowed(subject: str, client: Client) -> bool:
    """Count one request; False once the account or the IP has asked too often."""
    if throttle.locked_for(RESET_PER_ACCOUNT, subject) or throttle.locked_for(RESET_PER_IP, client.ip or "-"):
        return False
    over_account = throttle.record_failure(RESET_PER_ACCOUNT, subject)
    over_ip = throttle.record_failure(RESET_PER_IP, client.ip or "-")
    return not (over_account or over_ip)


def _new_link(staff: Staff, purpose: str, base_url: str) -> str:
    security = security_for(staff)
    AccountSecurity.objects.filter(pk=security.pk).update(link_serial=F("link_serial") + 1)
    security.refresh_from_db(fields=["link_serial"])
    token = tokens.make_token(staff, purpose, security.link_serial)
    return base_url.rstrip("/") + reverse("accounts:open_link", args=[token])


def do_request_password_reset(academy: Academy | None, login: str, client: Client, *, base_url: str) -> None:
    """Record a forgotten-password request. The worker (``process_requests``)
    sends a link to the account's verified recovery address, if there is such
    an account and it has not asked too often; each new link invalidates the
    previous one."""
    email = normalise_login(login, academy)
    with transaction.atomic():
        staff = Staff.objects.filter(email=email, is_active=True).first()
        throttled = not _allowed(email, client)
        RecoveryRequest.objects.create(kind=RecoveryRequest.Kind.PASSWORD, staff=staff, base_url=base_url,
                                       throttled=throttled)
        record_event(AuditEvent.Kind.RESET_THROTTLED if throttled else AuditEvent.Kind.RESET_REQUESTED, client,
                     staff=staff, attempted="" if staff else email)


def do_request_identifiers(academy: Academy | None, address: str, last_name: str, client: Client, *,
                           login_url: str) -> None:
    """Record a forgotten-identifier request; the worker sends the identifiers
    whose recovery address is ``address`` (and last name, if given) to it."""
    address = address.strip().lower()
    with transaction.atomic():
        throttled = not _allowed(f"identifiers:{address}", client)
        RecoveryRequest.objects.create(kind=RecoveryRequest.Kind.IDENTIFIER, academy=academy, address=address,
                                       last_name=last_name.strip(), base_url=login_url, throttled=throttled)
        record_event(AuditEvent.Kind.RESET_THROTTLED if throttled else AuditEvent.Kind.IDENTIFIER_REMINDER, client,
                     attempted=address, detail="rappel d'identifiant")


def process_requests(limit: int = 200) -> int:
    """Answer pending recovery requests (run by the worker); return how many
    were handled. Throttled requests and unknown accounts get nothing."""
    handled = 0
    pending = RecoveryRequest.objects.filter(processed_at__isnull=True).order_by("created_at", "id")[:limit]
    for request_id in list(pending.values_list("id", flat=True)):
        with transaction.atomic():
            row = (RecoveryRequest.objects.select_for_update(of=("self",))
                   .filter(pk=request_id, processed_at__isnull=True)
                   .select_related("staff__academy").first())
            if row is None:
                continue  # another worker took it
            if not row.throttled:
                _answer(row)
            row.processed_at = timezone.now()
            row.save(update_fields=["processed_at"])
            handled += 1
    return handled


def _answer(row: RecoveryRequest) -> None:
    if row.kind == RecoveryRequest.Kind.PASSWORD:
        staff = row.staff
        if staff is None or not staff.is_active:
            return
        verified = security_for(staff).recovery_email_verified
        if verified and verified == staff.recovery_email:
            notices.reset_link(staff, _new_link(staff, tokens.RESET, row.base_url))
        return
    accounts = Staff.objects.filter(recovery_email=row.address, is_active=True).select_related("academy")
    if row.academy_id is not None:
        accounts = accounts.filter(academy_id=row.academy_id)
    if row.last_name:
        accounts = accounts.filter(last_name__iexact=row.last_name)
    accounts = list(accounts.order_by("identifier"))
    if accounts:
        notices.identifiers(row.address, accounts, row.base_url)


def do_send_activation_link(actor: Staff | None, staff: Staff, client: Client, *, base_url: str) -> bool:
    """Send an activation link (first password) to the account's recovery
    address; False when it has none. Valid ``activation_link_days``."""
    if not staff.recovery_email or not staff.is_active:
        return False
    with transaction.atomic():
        notices.activation_link(staff, _new_link(staff, tokens.ACTIVATION, base_url))
        record_event(AuditEvent.Kind.ACTIVATION_SENT, client, staff=staff,
                     detail=f"par {actor.identifier}" if actor else "envoi groupé")
    return True


def do_set_password(staff: Staff, password: str, client: Client, *, link: tokens.Link | None = None,
                    keep_session: str | None = None) -> None:
    """Set a new password (the caller has applied the policy). Invalidates
    every link, ends every other session, and notifies the academic and the
    recovery addresses. A link opened from the recovery mailbox also proves
    that address."""
    with transaction.atomic():
        staff.set_password(password)
        staff.save(update_fields=["password"])
        security = security_for(staff)
        security.password_changed_at = timezone.now()
        security.link_serial += 1
        fields = ["password_changed_at", "link_serial"]
        if link is not None and staff.recovery_email:
            security.recovery_email_verified = staff.recovery_email
            fields.append("recovery_email_verified")
        security.save(update_fields=fields)
        record_event(AuditEvent.Kind.PASSWORD_CHANGED, client, staff=staff,
                     detail={None: "depuis la page Sécurité", tokens.RESET: "lien de réinitialisation",
                             tokens.ACTIVATION: "lien d'activation"}[link.purpose if link else None])
        end_sessions(staff, keep=keep_session)
        if link is None or link.purpose == tokens.RESET:
            notices.password_changed(staff)
