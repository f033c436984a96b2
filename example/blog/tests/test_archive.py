from collections import Counter, defaultdict
from datetime import datetime, time, timedelta, timezone

from django.db.models import Count, Max, Min
from django.db.models.functions import ExtractMonth, TruncDate
from django.test import TestCase, tag

from blog.models import Comment, Post
from utils.text import truncate_words

from .factories import TOPICS, make_posts, make_users


def published_rows():
    """(pk, author_id, published_at, body) of every published post."""
    return Post.objects.filter(status=Post.PUBLISHED).values_list(
        "pk", "author_id", "published_at", "body"
    )


@tag("slow", "db")
class ArchiveTests(TestCase):
    """The blog archive and moderation queue over a year of posts."""

    @classmethod
    def setUpTestData(cls):
        authors = make_users(40, prefix="archivist")
        make_posts(authors, 1500, seed=42, comments_per_post=4, prefix="arch")

    def test_posts_per_month(self):
        rows = (
            Post.objects.published()
            .annotate(month=ExtractMonth("published_at"))
            .values_list("month")
            .annotate(n=Count("pk"))
            .order_by()
        )
        expected = Counter(published.month for _, _, published, _ in published_rows())
        self.assertEqual(dict(rows), dict(expected))

    def test_each_author_page(self):
        per_author = Counter(author_id for _, author_id, _, _ in published_rows())
        for author_id, count in per_author.items():
            published = list(Post.objects.published().filter(author_id=author_id))
            self.assertEqual(len(published), count)
            for post in published[:5]:
                approved = Comment.objects.filter(post=post, approved=True)
                self.assertEqual(
                    post.comments.filter(approved=True).count(), approved.count()
                )

    def test_topic_search_per_topic(self):
        bodies = dict(Post.objects.values_list("pk", "body"))
        for topic in TOPICS:
            found = set(Post.objects.search(topic).values_list("pk", flat=True))
            self.assertEqual(
                found, {pk for pk, body in bodies.items() if topic in body}
            )

    def test_first_and_last_post_per_author(self):
        spans = (
            Post.objects.published()
            .values("author_id")
            .annotate(first=Min("published_at"), last=Max("published_at"))
            .order_by()
        )
        dates = defaultdict(list)
        for _, author_id, published, _ in published_rows():
            dates[author_id].append(published)
        for span in spans:
            mine = dates[span["author_id"]]
            self.assertEqual((span["first"], span["last"]), (min(mine), max(mine)))

    def test_comments_per_day(self):
        per_day = (
            Comment.objects.annotate(day=TruncDate("created_at"))
            .values("day")
            .annotate(n=Count("pk"))
            .order_by("day")
        )
        self.assertEqual(sum(row["n"] for row in per_day), Comment.objects.count())
        # Recount the first two months with range queries, one day at a time.
        for row in list(per_day)[:60]:
            start = datetime.combine(row["day"], time.min, tzinfo=timezone.utc)
            same_day = Comment.objects.filter(
                created_at__gte=start, created_at__lt=start + timedelta(days=1)
            )
            self.assertEqual(same_day.count(), row["n"])

    def test_moderation_queue_one_by_one(self):
        queue = Comment.objects.filter(approved=False, body__contains="#1")
        for comment in queue:
            comment.approved = True
            comment.save(update_fields=["approved"])
        pending = Comment.objects.filter(approved=False, body__contains="#1")
        self.assertFalse(pending.exists())

    def test_teasers(self):
        posts = Post.objects.published().only("slug", "body")
        teasers = {post.slug: truncate_words(post.body, 12) for post in posts}
        self.assertTrue(all(len(t.split(" ")) <= 12 for t in teasers.values()))
        self.assertEqual(len(teasers), len(published_rows()))

    def test_commenters_per_post(self):
        readers = defaultdict(set)
        for post_id, name in Comment.objects.values_list("post_id", "author_name"):
            readers[post_id].add(name)
        annotated = Post.objects.annotate(
            readers=Count("comments__author_name", distinct=True)
        )
        for post in annotated:
            self.assertEqual(post.readers, len(readers[post.pk]))
