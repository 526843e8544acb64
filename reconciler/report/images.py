"""Short, unambiguous names for image references: `rhcos-hotfix@sha256:8afacc…8010`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

IMAGE_IN_TEXT = re.compile(r"[\w.\-/:]+@sha256:[0-9a-f]{64}")
DIGEST_MARK = "@sha256:"
# (digest head, digest tail, keep the whole repository path): tried in order until names are unique
LEVELS = ((6, 4, False), (12, 8, False), (12, 8, True))

Shortener = Callable[[str], str]


def short_image(image: str, head: int = 6, tail: int = 4, full_repo: bool = False) -> str:
    """Last path component (or the whole repository) plus an elided digest; tags kept as they are."""
    name, mark, digest = image.partition(DIGEST_MARK)
    repo = name if full_repo else name.rsplit("/", 1)[-1]
    if not mark:
        return repo
    if len(digest) <= head + tail:
        return f"{repo}{mark}{digest}"
    return f"{repo}{mark}{digest[:head]}…{digest[-tail:]}"


def shortener(images: Iterable[str]) -> Shortener:
    """A function naming each of `images` as briefly as keeps them all distinct (else in full)."""
    unique = sorted({i for i in images if i})
    for head, tail, full_repo in LEVELS:
        names = {i: short_image(i, head, tail, full_repo) for i in unique}
        if len(set(names.values())) == len(unique):
            return lambda image: names.get(image, image)
    return lambda image: image


def images_in(text: str) -> list[str]:
    return IMAGE_IN_TEXT.findall(text)


def shorten_text(text: str, shorten: Shortener) -> str:
    """Replace every digest-pinned image reference inside free text."""
    return IMAGE_IN_TEXT.sub(lambda m: shorten(m.group(0)), text)
