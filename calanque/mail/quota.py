"""Quota warnings: a message in the INBOX when usage crosses 80 % and 95 %,
once per threshold (reset when usage falls back under 80 %)."""

from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

from calanque.mail.models import Mailbox

THRESHOLDS = (95, 80)


def percent_used(mailbox: Mailbox) -> int:
    quota = mailbox.quota_bytes
    return int(mailbox.used_bytes * 100 / quota) if quota else 100


def warning_message(mailbox: Mailbox, threshold: int) -> bytes:
    staff = mailbox.staff
    message = EmailMessage()
    message["From"] = f"Messagerie <postmaster@{staff.academy.domain}>"
    message["To"] = staff.email
    message["Subject"] = f"Votre boîte aux lettres est remplie à {threshold} %"
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain=staff.academy.domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        f"Bonjour {staff.first_name},\n\n"
        f"Votre boîte aux lettres utilise {threshold} % de son espace ({staff.quota_mb} Mo).\n"
        "Supprimez les messages dont vous n'avez plus besoin, en particulier ceux qui ont de grosses pièces "
        "jointes, puis videz la corbeille.\n"
        "Quand la boîte est pleine, les nouveaux messages sont refusés (leurs expéditeurs réessaient "
        "pendant quelques jours).\n\n"
        f"— {staff.academy.name}\n"
    )
    return message.as_bytes(policy=policy.SMTP)


def threshold_to_warn(mailbox: Mailbox) -> int | None:
    """The threshold just crossed and not yet warned about, if any."""
    used = percent_used(mailbox)
    return next((t for t in THRESHOLDS if used >= t > mailbox.warned_percent), None)


def warnings_to_reset(mailbox: Mailbox) -> bool:
    """Usage fell back under the lowest threshold: warn again next time."""
    return mailbox.warned_percent > 0 and percent_used(mailbox) < THRESHOLDS[-1]
