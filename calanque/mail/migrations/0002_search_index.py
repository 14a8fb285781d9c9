from django.db import migrations

# The full-text index of mail/search.py: FTS5 over Content.search_text on
# SQLite (external content, rowid = Content.id), GIN on PostgreSQL.
SQLITE = ("CREATE VIRTUAL TABLE mail_content_fts USING fts5(search_text, content='mail_content', "
          "content_rowid='id', tokenize='unicode61 remove_diacritics 2')")
POSTGRESQL = "CREATE INDEX mail_content_search ON mail_content USING gin (to_tsvector('simple', search_text))"


def create(apps, schema_editor):
    schema_editor.execute(POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS mail_content_search")
    else:
        schema_editor.execute("DROP TABLE IF EXISTS mail_content_fts")


class Migration(migrations.Migration):
    dependencies = [("mail", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
