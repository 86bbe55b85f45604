"""The demo CMS's one article: what ``typodesk demo`` serves at /demo/article/ and lets you edit."""

from __future__ import annotations

from django.db import models

from typodesk.sites.models import Site


class Article(models.Model):
    """The demo site's article, stored so that the newcomer can correct it and publish.

    The body is plain text, paragraphs separated by blank lines: the page escapes it, so what
    is typed into the demo CMS can never become markup.
    """

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="demo_article")
    title = models.CharField(max_length=200)
    body = models.TextField()
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.title

    def paragraphs(self) -> list[str]:
        return split_paragraphs(self.body)


def split_paragraphs(body: str) -> list[str]:
    """Blank lines separate paragraphs; line breaks inside one are spaces, as on a web page."""
    blocks = body.replace("\r\n", "\n").replace("\r", "\n").split("\n\n")
    return [" ".join(line.strip() for line in b.split("\n") if line.strip()) for b in blocks if b.strip()]
