from django.db import models


class Stock(models.Model):
    name = models.CharField(max_length=50)
    quantity = models.IntegerField(default=0)
