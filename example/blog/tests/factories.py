"""Deterministic authors, posts and comments for blog tests."""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model

from blog.models import Comment, Post
from catalog.tests.factories import EPOCH

TOPICS = ["gardening", "robots", "novels", "kettles", "puzzles", "lamps", "kites"]
FILLER = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do".split()


def make_users(count, prefix="writer"):
    User = get_user_model()
    # "!" marks an unusable password without paying for hashing.
    User.objects.bulk_create(
        User(
            username=f"{prefix}{index}",
            email=f"{prefix}{index}@example.com",
            password="!",
        )
        for index in range(count)
    )
    return list(User.objects.filter(username__startswith=prefix).order_by("username"))


def make_posts(authors, count, seed=0, comments_per_post=3, prefix="post"):
    rng = random.Random(seed)
    posts = []
    for index in range(count):
        topic = rng.choice(TOPICS)
        published = rng.random() < 0.75
        words = [rng.choice(FILLER) for _ in range(rng.randint(20, 120))]
        words.insert(rng.randint(0, len(words)), topic)
        posts.append(
            Post(
                author=authors[index % len(authors)],
                title=f"On {topic} #{index}",
                slug=f"{prefix}-{index}",
                body=" ".join(words),
                status=Post.PUBLISHED if published else Post.DRAFT,
                published_at=EPOCH + timedelta(days=rng.randint(0, 300))
                if published
                else None,
            )
        )
    Post.objects.bulk_create(posts, batch_size=500)
    saved = list(Post.objects.filter(slug__startswith=f"{prefix}-").order_by("pk"))
    comments = [
        Comment(
            post=post,
            author_name=f"reader{rng.randint(1, 50)}",
            email="reader@example.com",
            body=f"Comment {number} on {post.title}",
            approved=rng.random() < 0.6,
            created_at=EPOCH + timedelta(days=rng.randint(0, 300), minutes=number),
        )
        for post in saved
        for number in range(rng.randint(0, comments_per_post * 2))
    ]
    Comment.objects.bulk_create(comments, batch_size=500)
    return saved
