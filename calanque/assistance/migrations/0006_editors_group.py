"""The « Rédacteurs de l'aide » group: agents put in it edit help articles
and the académie-wide canned answers from the desk."""

from django.db import migrations

GROUP = "Rédacteurs de l'aide"


def create_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="assistance", model="article")
    permission, _ = Permission.objects.get_or_create(
        codename="edit_help", content_type=content_type,
        defaults={"name": "Rédiger les articles d'aide et les réponses types de l'académie"})
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(permission)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0005_desk"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
