"""Small text helpers used by templates and views."""

import re
import unicodedata

WHITESPACE = re.compile(r"[ \t\r\n]+")


def normalize_whitespace(text):
    """Collapse runs of ASCII whitespace into one space and strip the ends."""
    return WHITESPACE.sub(" ", text).strip()


def truncate_words(text, limit, ellipsis="…"):
    """Keep the first ``limit`` words of ``text``, marking the cut."""
    words = normalize_whitespace(text).split(" ")
    if len(words) <= limit:
        return " ".join(words)
    return " ".join(words[:limit]) + ellipsis


def simple_slug(text):
    """Lower-case ASCII slug; accents are folded rather than dropped."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def initials(name):
    """Initials of a person's name, e.g. ``"Ada Lovelace"`` -> ``"AL"``."""
    return "".join(part[0].upper() for part in name.split() if part)
