"""Requests filed before service levels existed get their deadlines, from the
académie's settings as they are now (defaults if none)."""

from django.db import migrations


def fill(apps, schema_editor):
    from calanque.assistance.hours import Calendar
    from calanque.assistance.sla import DEFAULT_TARGETS

    Ticket = apps.get_model("assistance", "Ticket")
    DeskSettings = apps.get_model("assistance", "DeskSettings")
    calendars, targets = {}, {}
    for ticket in Ticket.objects.filter(first_response_due__isnull=True).iterator():
        if ticket.academy_id not in calendars:
            settings = DeskSettings.objects.filter(academy_id=ticket.academy_id).first()
            calendar, wanted = Calendar(), dict(DEFAULT_TARGETS)
            if settings is not None:
                hours = {}
                for row in settings.opening_hours.all():
                    hours.setdefault(row.weekday, []).append((row.opens, row.closes))
                calendar = Calendar(hours=hours or calendar.hours, public_holidays=settings.public_holidays,
                                    closed={d.day for d in settings.closed_days.all()})
                for level in settings.service_levels.all():
                    wanted[level.urgency] = type(wanted[level.urgency])(level.first_response_hours,
                                                                       level.resolution_hours)
            calendars[ticket.academy_id], targets[ticket.academy_id] = calendar, wanted
        target = targets[ticket.academy_id][ticket.urgency]
        calendar = calendars[ticket.academy_id]
        ticket.first_response_due = calendar.add(ticket.created_at, target.first_response_hours * 3600)
        ticket.resolution_due = calendar.add(ticket.created_at, target.resolution_hours * 3600)
        ticket.save(update_fields=["first_response_due", "resolution_due"])


class Migration(migrations.Migration):
    dependencies = [("assistance", "0007_constraint_messages")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
