from django.db import migrations

DEFAULTS = ["books", "games", "tools"]


def add_defaults(apps, schema_editor):
    Category = apps.get_model("shop", "Category")
    db = schema_editor.connection.alias
    Category.objects.using(db).bulk_create(Category(name=n) for n in DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
