from django.db import models


class Code(models.CharField):
    """A column type declared here, outside models.py and the migrations
    (which import it): the migrated-database cache tests edit it."""

    def db_type(self, connection):
        return "varchar(20)"
