from django.test import SimpleTestCase, tag

from blog.forms import BANNED_WORDS, CommentForm


@tag("fast")
class CommentFormTests(SimpleTestCase):
    def form(self, **overrides):
        data = {"author_name": "Jo", "email": "jo@example.com", "body": "Lovely post."}
        data.update(overrides)
        return CommentForm(data)

    def test_valid(self):
        form = self.form(body="  Lovely post.  ")
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["body"], "Lovely post.")

    def test_too_short(self):
        self.assertEqual(self.form(body=" ok ").errors["body"], ["Say a little more."])

    def test_spam_words(self):
        for word in sorted(BANNED_WORDS):
            with self.subTest(word=word):
                form = self.form(body=f"Best {word.upper()} deals here")
                self.assertEqual(form.errors["body"], ["This looks like spam."])

    def test_spam_check_is_per_word(self):
        self.assertTrue(self.form(body="A casinolike atmosphere").is_valid())

    def test_required_fields(self):
        form = CommentForm({})
        self.assertEqual(set(form.errors), {"author_name", "email", "body"})

    def test_bad_email(self):
        self.assertIn("email", self.form(email="not-an-address").errors)

    def test_body_length_limit(self):
        self.assertIn("body", self.form(body="x" * 2001).errors)
