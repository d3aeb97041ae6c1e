"""Email HTML made inert: nh3 (ammonia) keeps text markup; no images, scripts, styles or event handlers."""

from __future__ import annotations

import nh3

# No <img>/<area>/<map>: a remote image is a read receipt (tracking pixel); inline images come as attachments.
TAGS = set(nh3.ALLOWED_TAGS) - {"img", "area", "map"}
ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def clean_email_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
