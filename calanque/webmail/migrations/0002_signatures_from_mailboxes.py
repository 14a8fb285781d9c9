"""The single signature of the first webmail slice (``Mailbox.signature``)
becomes each person's default signature."""

from django.db import migrations


def forwards(apps, schema_editor):
    Mailbox = apps.get_model("mail", "Mailbox")
    Signature = apps.get_model("webmail", "Signature")
    for mailbox in Mailbox.objects.exclude(signature="").iterator():
        if not Signature.objects.filter(staff_id=mailbox.staff_id).exists():
            Signature.objects.create(staff_id=mailbox.staff_id, name="Ma signature", text=mailbox.signature,
                                     is_default=True)


class Migration(migrations.Migration):
    dependencies = [
        ("webmail", "0001_initial"),
        ("mail", "0004_mailbox_signature"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
