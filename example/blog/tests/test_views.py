from django.contrib.auth import get_user_model
from django.test import TestCase, tag
from django.urls import reverse

from blog.models import Comment, Post

from .factories import make_posts, make_users


class PostListViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.authors = make_users(3, prefix="lister")
        cls.posts = make_posts(cls.authors, 40, seed=12, prefix="list")

    def test_shows_published_only(self):
        response = self.client.get(reverse("blog:list"))
        self.assertTemplateUsed(response, "blog/post_list.html")
        shown = {post.pk for post in response.context["posts"]}
        self.assertTrue(shown)
        self.assertTrue(
            all(p.status == Post.PUBLISHED for p in Post.objects.filter(pk__in=shown))
        )

    def test_newest_first_and_capped(self):
        posts = list(self.client.get(reverse("blog:list")).context["posts"])
        self.assertLessEqual(len(posts), 20)
        dates = [p.published_at for p in posts]
        self.assertEqual(dates, sorted(dates, reverse=True))

    def test_search(self):
        response = self.client.get(reverse("blog:list"), {"q": "robots"})
        self.assertContains(response, "Results for “robots”")
        for post in response.context["posts"]:
            self.assertIn("robots", f"{post.title} {post.body}")

    def test_links_to_detail(self):
        response = self.client.get(reverse("blog:list"))
        post = response.context["posts"][0]
        self.assertContains(
            response, f'href="{reverse("blog:detail", args=[post.slug])}"'
        )

    def test_empty_blog(self):
        Post.objects.all().delete()
        self.assertContains(
            self.client.get(reverse("blog:list")), "Nothing published yet."
        )


class PostDetailViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        author = make_users(1, prefix="detail")[0]
        cls.post = Post.objects.create(
            author=author, title="Kites", slug="kites", body="Fly them."
        )
        cls.post.publish()
        cls.draft = Post.objects.create(
            author=author, title="Secret", slug="secret", body="..."
        )
        Comment.objects.create(
            post=cls.post,
            author_name="Ann",
            email="a@example.com",
            body="Yes!",
            approved=True,
        )
        Comment.objects.create(
            post=cls.post,
            author_name="Bob",
            email="b@example.com",
            body="Hidden",
            approved=False,
        )

    def url(self, post):
        return reverse("blog:detail", args=[post.slug])

    def test_only_approved_comments_shown(self):
        response = self.client.get(self.url(self.post))
        self.assertContains(response, "Yes!")
        self.assertNotContains(response, "Hidden")

    def test_draft_is_404(self):
        self.assertEqual(self.client.get(self.url(self.draft)).status_code, 404)

    def test_posting_a_comment_queues_it_for_moderation(self):
        data = {"author_name": "Cy", "email": "c@example.com", "body": "Great kites."}
        with self.assertLogs("example.blog", level="INFO") as logs:
            response = self.client.post(self.url(self.post), data)
        self.assertRedirects(response, self.url(self.post))
        comment = Comment.objects.get(author_name="Cy")
        self.assertFalse(comment.approved)
        self.assertIn(
            f"comment {comment.pk} awaiting moderation on kites", logs.output[0]
        )

    def test_invalid_comment_redisplays_form(self):
        response = self.client.post(
            self.url(self.post), {"author_name": "Cy", "email": "x", "body": "no"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["form"].is_valid())
        self.assertEqual(Comment.objects.count(), 2)

    def test_form_has_csrf_token(self):
        self.assertContains(self.client.get(self.url(self.post)), "csrfmiddlewaretoken")


@tag("auth")
class DraftViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.writer = get_user_model().objects.create_user(
            "writer", "w@example.com", "s3cret-pass"
        )
        cls.other = make_users(1, prefix="rival")[0]
        Post.objects.create(
            author=cls.writer, title="My draft", slug="my-draft", body="..."
        )
        Post.objects.create(
            author=cls.other, title="Their draft", slug="their-draft", body="..."
        )

    def test_anonymous_is_sent_to_login(self):
        response = self.client.get(reverse("blog:drafts"))
        self.assertRedirects(
            response, "/login/?next=/blog/drafts/", fetch_redirect_response=False
        )

    def test_lists_own_drafts_only(self):
        self.client.force_login(self.writer)
        response = self.client.get(reverse("blog:drafts"))
        self.assertContains(response, "My draft")
        self.assertNotContains(response, "Their draft")
        self.assertContains(response, "Drafts of writer")

    def test_password_login(self):
        self.assertTrue(self.client.login(username="writer", password="s3cret-pass"))
        self.assertEqual(self.client.get(reverse("blog:drafts")).status_code, 200)

    def test_wrong_password(self):
        self.assertFalse(self.client.login(username="writer", password="nope"))

    def test_create_draft(self):
        self.client.force_login(self.writer)
        response = self.client.post(
            reverse("blog:new-draft"), {"title": "Fresh Ideas", "body": "b"}
        )
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json(), {"slug": "fresh-ideas", "status": "draft"})
        self.assertEqual(Post.objects.get(slug="fresh-ideas").author, self.writer)

    def test_create_draft_needs_title_and_post(self):
        self.client.force_login(self.writer)
        self.assertEqual(
            self.client.post(reverse("blog:new-draft"), {"title": " "}).status_code, 400
        )
        self.assertEqual(self.client.get(reverse("blog:new-draft")).status_code, 405)


class PostApiTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.posts = make_posts(make_users(4, prefix="api"), 70, seed=7, prefix="api")

    def test_lists_at_most_fifty(self):
        data = self.client.get(reverse("blog:api")).json()
        published = sum(1 for p in self.posts if p.status == Post.PUBLISHED)
        self.assertEqual(len(data["posts"]), min(50, published))

    def test_comment_counts_are_approved_only(self):
        for row in self.client.get(reverse("blog:api")).json()["posts"][:10]:
            post = Post.objects.get(slug=row["slug"])
            self.assertEqual(
                row["comments"], post.comments.filter(approved=True).count()
            )

    def test_single_query(self):
        with self.assertNumQueries(1):
            self.client.get(reverse("blog:api"))
