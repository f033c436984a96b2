from django.db import migrations

from catalogue.waitpoint import wait_point


def waits(apps, schema_editor):
    wait_point("migration")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]
    operations = [migrations.RunPython(waits, migrations.RunPython.noop)]
