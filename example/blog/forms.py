from django import forms

from .models import Comment

# Words that send a comment straight to the bin instead of moderation.
BANNED_WORDS = {"casino", "lottery", "viagra"}


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["author_name", "email", "body"]

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if len(body) < 3:
            raise forms.ValidationError("Say a little more.")
        if BANNED_WORDS & set(body.lower().split()):
            raise forms.ValidationError("This looks like spam.")
        return body
