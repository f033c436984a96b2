import logging

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify

from .forms import CommentForm
from .models import Post

logger = logging.getLogger("example.blog")


def post_list(request):
    posts = Post.objects.published().select_related("author")
    term = request.GET.get("q", "").strip()
    if term:
        posts = posts.search(term)
    return render(request, "blog/post_list.html", {"posts": posts[:20], "term": term})


def post_detail(request, slug):
    post = get_object_or_404(
        Post.objects.published().select_related("author"), slug=slug
    )
    if request.method == "POST":
        form = CommentForm(request.POST)
        if form.is_valid():
            comment = form.save(commit=False)
            comment.post = post
            comment.save()
            logger.info("comment %s awaiting moderation on %s", comment.pk, post.slug)
            return redirect("blog:detail", slug=post.slug)
    else:
        form = CommentForm()
    comments = post.comments.filter(approved=True)
    return render(
        request,
        "blog/post_detail.html",
        {"post": post, "comments": comments, "form": form},
    )


@login_required
def my_drafts(request):
    drafts = Post.objects.drafts().by(request.user)
    return render(request, "blog/drafts.html", {"drafts": drafts})


@login_required
def new_draft(request):
    if request.method != "POST":
        return JsonResponse({"error": "POST a title and body"}, status=405)
    title = request.POST.get("title", "").strip()
    if not title:
        return JsonResponse({"error": "title is required"}, status=400)
    post = Post.objects.create(
        author=request.user,
        title=title,
        slug=slugify(title),
        body=request.POST.get("body", ""),
    )
    return JsonResponse({"slug": post.slug, "status": post.status}, status=201)


def post_api(request):
    posts = Post.objects.published().with_comment_counts().select_related("author")
    data = [
        {
            "title": post.title,
            "slug": post.slug,
            "author": post.author.username,
            "comments": post.approved_comments,
        }
        for post in posts[:50]
    ]
    return JsonResponse({"posts": data})
