from django.db import models


class Bookmark(models.Model):
    url = models.URLField()
    owner = models.ForeignKey("auth.User", on_delete=models.CASCADE)
