"""Entity tags for optimistic concurrency: the ETag a resource shows, and the If-Match a write brings back."""

from __future__ import annotations


def entity_tag(*parts) -> str:
    """The strong ETag of a resource's state, from what identifies it (``"12.3"`` for row 12, revision 3)."""
    return '"' + ".".join(str(part) for part in parts) + '"'


def if_match_offers(if_match: str | None, etag: str) -> bool:
    """Whether an ``If-Match`` header (one tag, a list, weak tags alike) names this ETag."""
    return bool(if_match) and etag in [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
