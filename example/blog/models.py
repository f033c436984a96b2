from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone


class PostQuerySet(models.QuerySet):
    def published(self, now=None):
        return self.filter(
            status=Post.PUBLISHED, published_at__lte=now or timezone.now()
        )

    def drafts(self):
        return self.filter(status=Post.DRAFT)

    def by(self, user):
        return self.filter(author=user)

    def with_comment_counts(self):
        return self.annotate(
            approved_comments=Count("comments", filter=Q(comments__approved=True))
        )

    def search(self, term):
        return self.filter(Q(title__icontains=term) | Q(body__icontains=term))


class Post(models.Model):
    DRAFT = "draft"
    PUBLISHED = "published"
    STATUS_CHOICES = [(DRAFT, "Draft"), (PUBLISHED, "Published")]

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts"
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]

    def __str__(self):
        return self.title

    def publish(self, when=None):
        self.status = self.PUBLISHED
        self.published_at = when or timezone.now()
        self.save(update_fields=["status", "published_at"])

    @property
    def word_count(self):
        return len(self.body.split())


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author_name = models.CharField(max_length=80)
    email = models.EmailField()
    body = models.TextField(max_length=2000)
    approved = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.author_name} on {self.post}"
