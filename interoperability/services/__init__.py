"""Standards, their lifecycle, feeds, pushed entities and conformance: the behaviour of the module.

This is also the module's public face: other domains import only from here (the functions below, the
standards' version states, the asset types of `assets` and the conformance reading).
"""

from interoperability import assets as assets
from interoperability.models import (
    Feed,
    FeedDay,
    FeedEntity,
    FeedKind,
    Standard,
    StandardVersion,
    VersionStatus,
    ViolationCount,
)

from .feeds import (
    conformance,
    feed_snapshot,
    feeds_query,
    get_feed,
    latest_published,
    observation_time,
    push_entities,
    register_feed,
    standard_of_version,
)
from .standards import (
    compiled_for,
    create_standard,
    create_version,
    definition_of,
    deprecate,
    get_standard,
    get_version,
    publish,
    standards_query,
    update_draft,
    validate_payload,
    version_snapshot,
    withdraw_deprecation,
)

__all__ = [
    "Feed",
    "FeedDay",
    "FeedEntity",
    "FeedKind",
    "Standard",
    "StandardVersion",
    "VersionStatus",
    "ViolationCount",
    "assets",
    "compiled_for",
    "conformance",
    "create_standard",
    "create_version",
    "definition_of",
    "deprecate",
    "feed_snapshot",
    "feeds_query",
    "get_feed",
    "get_standard",
    "get_version",
    "latest_published",
    "observation_time",
    "publish",
    "push_entities",
    "register_feed",
    "standard_of_version",
    "standards_query",
    "update_draft",
    "validate_payload",
    "version_snapshot",
    "withdraw_deprecation",
]
