"""An app (installed when DP_TYPED_APP is set) whose column type comes from
a project module that its models and migrations import."""

from django.db import models

from typed.fields import Code


class Item(models.Model):
    code = Code(max_length=100)
