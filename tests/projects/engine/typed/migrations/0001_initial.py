from django.db import migrations, models

import typed.fields


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Item",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("code", typed.fields.Code(max_length=100)),
            ],
        ),
    ]
