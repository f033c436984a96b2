from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=50, unique=True)


class Item(models.Model):
    name = models.CharField(max_length=50)
    price = models.IntegerField()
    category = models.ForeignKey(Category, null=True, on_delete=models.SET_NULL)


class AuditEntry(models.Model):
    message = models.CharField(max_length=100)
