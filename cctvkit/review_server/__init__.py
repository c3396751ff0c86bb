"""A local web page to review a request before release (issue #15, policy 13.9.1 and 7.1).

``cctvkit request review ID --serve`` shows, per clip, the redacted preview with a timeline of
the face tracks, a gallery of the tracks grouped by person with keep/mask toggles, and a way to
draw a box over a face the detector missed; the decisions are stored in the catalog, audited and
used by ``request process``, which the page's approve button runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cctvkit._lazy import lazy_getattr

if TYPE_CHECKING:
    from cctvkit.review_server.serve import ReviewServer
    from cctvkit.review_server.session import ReviewSession, open_review

_LAZY = {
    "ReviewServer": "cctvkit.review_server.serve",
    "ReviewSession": "cctvkit.review_server.session",
    "open_review": "cctvkit.review_server.session",
}

__all__ = ["ReviewServer", "ReviewSession", "open_review"]

__getattr__ = lazy_getattr(__name__, _LAZY)
