"""A local web page to review a request before release (issue #15, policy 13.9.1 and 7.1).

``cctvkit request review ID --serve`` shows, per clip, the redacted preview with a timeline of
the face tracks, a gallery of the tracks grouped by person with keep/mask toggles, and a way to
draw a box over a face the detector missed; the decisions are stored in the catalog, audited and
used by ``request process``, which the page's approve button runs.

The server is one more client of the request workflow: what the page shows and changes lives in
:mod:`cctvkit.requests.review_page`; this package only serves it (HTTP, the token guard, input
validation, the approval job).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cctvkit._lazy import lazy_getattr

if TYPE_CHECKING:
    from cctvkit.review_server.serve import ReviewServer

_LAZY = {"ReviewServer": "cctvkit.review_server.serve"}

__all__ = ["ReviewServer"]

__getattr__ = lazy_getattr(__name__, _LAZY)
