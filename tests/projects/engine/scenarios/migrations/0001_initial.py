from django.db import migrations, models

from scenarios.holds import during_migration


def add_note(apps, editor):
    notes = apps.get_model("scenarios", "Note").objects.using(editor.connection.alias)
    notes.create(text="from migration")
    # For a signal while the migrations run (tests hold the run here).
    during_migration()


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Note",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("text", models.CharField(max_length=100)),
            ],
        ),
        migrations.RunPython(add_note, migrations.RunPython.noop),
    ]
