from collections import Counter
from datetime import timedelta

from django.db.models import Count, Q
from django.test import TestCase, skipUnlessDBFeature, tag
from django.utils import timezone

from blog.models import Comment, Post
from catalog.tests.factories import EPOCH

from .factories import make_posts, make_users


@tag("db")
class PostQuerySetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.authors = make_users(12)
        cls.posts = make_posts(cls.authors, 400, seed=3)

    def test_published(self):
        expected = {p.pk for p in self.posts if p.status == Post.PUBLISHED}
        self.assertEqual(
            set(Post.objects.published().values_list("pk", flat=True)), expected
        )

    def test_published_as_of_a_date(self):
        moment = EPOCH + timedelta(days=100)
        expected = sum(
            1
            for p in self.posts
            if p.published_at is not None and p.published_at <= moment
        )
        self.assertEqual(Post.objects.published(now=moment).count(), expected)

    def test_future_posts_hidden(self):
        post = self.posts[0]
        post.publish(when=timezone.now() + timedelta(days=2))
        self.assertFalse(Post.objects.published().filter(pk=post.pk).exists())

    def test_drafts_by_author(self):
        for author in self.authors:
            with self.subTest(author=author.username):
                expected = sum(
                    1
                    for p in self.posts
                    if p.author_id == author.pk and p.status == Post.DRAFT
                )
                self.assertEqual(Post.objects.drafts().by(author).count(), expected)

    def test_comment_counts(self):
        approved = Counter(
            Comment.objects.filter(approved=True).values_list("post_id", flat=True)
        )
        for post in Post.objects.with_comment_counts():
            self.assertEqual(post.approved_comments, approved.get(post.pk, 0))

    def test_search(self):
        for topic in ["robots", "kites"]:
            with self.subTest(topic=topic):
                found = set(Post.objects.search(topic).values_list("pk", flat=True))
                expected = {
                    p.pk for p in self.posts if topic in p.title or topic in p.body
                }
                self.assertEqual(found, expected)

    def test_posts_per_author(self):
        counts = dict(
            Post.objects.values_list("author__username")
            .annotate(n=Count("pk"))
            .order_by()
        )
        self.assertEqual(sum(counts.values()), len(self.posts))
        self.assertEqual(set(counts), {a.username for a in self.authors})

    def test_authors_with_unmoderated_comments(self):
        waiting = (
            Post.objects.filter(comments__approved=False)
            .values_list("author_id", flat=True)
            .distinct()
        )
        expected = set(
            Comment.objects.filter(approved=False).values_list(
                "post__author_id", flat=True
            )
        )
        self.assertEqual(set(waiting), expected)

    def test_approve_in_bulk(self):
        updated = Comment.objects.filter(
            approved=False, post__status=Post.PUBLISHED
        ).update(approved=True)
        self.assertGreater(updated, 0)
        self.assertFalse(
            Comment.objects.filter(
                Q(approved=False) & Q(post__status=Post.PUBLISHED)
            ).exists()
        )

    @skipUnlessDBFeature("can_distinct_on_fields")
    def test_latest_post_per_author(self):
        latest = (
            Post.objects.published()
            .order_by("author_id", "-published_at", "-pk")
            .distinct("author_id")
        )
        for post in latest:
            newest = (
                Post.objects.published()
                .by(post.author)
                .order_by("-published_at", "-pk")
                .first()
            )
            self.assertEqual(post.pk, newest.pk)


class PostPublishTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.author = make_users(1, prefix="solo")[0]

    def setUp(self):
        self.post = Post.objects.create(
            author=self.author, title="Hello", slug="hello", body="one two three"
        )

    def test_new_posts_are_drafts(self):
        self.assertEqual(self.post.status, Post.DRAFT)
        self.assertIsNone(self.post.published_at)

    def test_publish_now(self):
        before = timezone.now()
        self.post.publish()
        self.post.refresh_from_db()
        self.assertEqual(self.post.status, Post.PUBLISHED)
        self.assertGreaterEqual(self.post.published_at, before)

    def test_word_count(self):
        self.assertEqual(self.post.word_count, 3)

    def test_deleting_author_deletes_posts(self):
        self.author.delete()
        self.assertFalse(Post.objects.filter(slug="hello").exists())
