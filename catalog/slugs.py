"""Readable ASCII slugs for Chinese names (CKAN's ``name``: ``[a-z0-9_-]{2,100}``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from pypinyin import lazy_pinyin

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,99}$")


def slugify(text: str, max_length: int = 80) -> str:
    """``南宁市生态环境局`` → ``nan-ning-shi-sheng-tai-huan-jing-ju``."""
    syllables = lazy_pinyin(text or "")
    slug = _NOT_SLUG.sub("-", "-".join(syllables).lower()).strip("-")
    slug = re.sub(r"-{2,}", "-", slug)
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    if len(slug) < 2:
        slug = "x-" + hashlib.sha1((text or "").encode()).hexdigest()[:8]
    return slug


def unique_slug(base: str, taken: Callable[[str], bool]) -> str:
    """The first of ``base``, ``base-2``, ``base-3`` … for which ``taken`` is false."""
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        suffix = f"-{n}"
        candidate = base[: 100 - len(suffix)] + suffix
    return candidate
