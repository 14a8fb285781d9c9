"""Non-delivery reports (RFC 3464), in French, into the sender's INBOX."""

from email import policy
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid

from django.utils import timezone

from calanque.academy.models import Staff
from calanque.mail import delivery


def report(original: bytes, sender: Staff, failures: dict[str, str]) -> bytes:
    domain = sender.academy.domain
    headers = original.split(b"\r\n\r\n", 1)[0][:20_000].decode("utf-8", "replace")
    message = MIMEMultipart("report", report_type="delivery-status")
    message["From"] = f"Messagerie <mailer-daemon@{domain}>"
    message["To"] = sender.email
    message["Subject"] = "Message non remis"
    message["Date"] = format_datetime(timezone.localtime())
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-replied"
    lines = "\n".join(f"  {rcpt} : {reason}" for rcpt, reason in failures.items())
    message.attach(MIMEText(
        f"Bonjour {sender.first_name},\n\nVotre message n'a pas pu être remis à :\n{lines}\n\n"
        "Vérifiez l'adresse du destinataire. L'en-tête du message d'origine est joint.\n\n"
        f"— {sender.academy.name}\n", "plain", "utf-8"))
    # message/delivery-status is a series of header blocks: one for the
    # report, one per recipient (the email package wants them as messages).
    blocks = [Message()]
    blocks[0]["Reporting-MTA"] = f"dns; {domain}"
    blocks[0]["Arrival-Date"] = format_datetime(timezone.now())
    for rcpt, reason in failures.items():
        parts = reason.split(" ", 2)
        block = Message()
        block["Final-Recipient"] = f"rfc822; {rcpt}"
        block["Action"] = "failed"
        block["Status"] = parts[1] if len(parts) > 1 and parts[1][:1] in "45" and "." in parts[1] else "5.0.0"
        block["Diagnostic-Code"] = f"smtp; {reason}"
        blocks.append(block)
    delivery_status = MIMEBase("message", "delivery-status")
    delivery_status.set_payload(blocks)
    message.attach(delivery_status)
    message.attach(MIMEText(headers, "rfc822-headers", "utf-8"))
    return message.as_bytes(policy=policy.SMTP)


def bounce(original: bytes, sender: Staff, failures: dict[str, str]) -> None:
    """Put a non-delivery report for ``failures`` (recipient → SMTP reply)
    in the INBOX of ``sender``."""
    delivery.deliver(report(original, sender, failures), [sender])
