"""Access requests and releases (policy 12.7, 12.8, 13.1.1, 13.4-13.6, 13.9): lifecycle to package.

Names are imported lazily (PEP 562), so commands that do not need the heavy parts (onnxruntime,
supervision) do not pay for importing them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cctvkit._lazy import lazy_getattr

if TYPE_CHECKING:
    from cctvkit.requests.approval import approve_unredacted, check_unredacted_allowed
    from cctvkit.requests.coverage import CameraCoverage, Gap, SourceSpan, find_coverage
    from cctvkit.requests.deadlines import due_date, extended_due_date
    from cctvkit.requests.estimate import DEFAULT_REDACTION_FPS, Estimate, estimate_work
    from cctvkit.requests.ids import validate_request_id
    from cctvkit.requests.kinds import RequestKind, recipient_category
    from cctvkit.requests.lifecycle import (
        NewRequest,
        close_request,
        extend_request,
        get_request,
        identify_requester,
        open_request,
        refuse_request,
    )
    from cctvkit.requests.manifest import ReleaseManifest
    from cctvkit.requests.process import ProcessOptions, ProcessResult, process_request
    from cctvkit.requests.review import ReviewSheet, review_request
    from cctvkit.requests.verify import VerifyResult, verify_path
    from cctvkit.requests.windows import WindowSpec, parse_window

_LAZY = {
    "approve_unredacted": "cctvkit.requests.approval",
    "check_unredacted_allowed": "cctvkit.requests.approval",
    "CameraCoverage": "cctvkit.requests.coverage",
    "Gap": "cctvkit.requests.coverage",
    "SourceSpan": "cctvkit.requests.coverage",
    "find_coverage": "cctvkit.requests.coverage",
    "due_date": "cctvkit.requests.deadlines",
    "extended_due_date": "cctvkit.requests.deadlines",
    "DEFAULT_REDACTION_FPS": "cctvkit.requests.estimate",
    "Estimate": "cctvkit.requests.estimate",
    "estimate_work": "cctvkit.requests.estimate",
    "validate_request_id": "cctvkit.requests.ids",
    "RequestKind": "cctvkit.requests.kinds",
    "recipient_category": "cctvkit.requests.kinds",
    "NewRequest": "cctvkit.requests.lifecycle",
    "close_request": "cctvkit.requests.lifecycle",
    "extend_request": "cctvkit.requests.lifecycle",
    "get_request": "cctvkit.requests.lifecycle",
    "identify_requester": "cctvkit.requests.lifecycle",
    "open_request": "cctvkit.requests.lifecycle",
    "refuse_request": "cctvkit.requests.lifecycle",
    "ReleaseManifest": "cctvkit.requests.manifest",
    "ProcessOptions": "cctvkit.requests.process",
    "ProcessResult": "cctvkit.requests.process",
    "process_request": "cctvkit.requests.process",
    "ReviewSheet": "cctvkit.requests.review",
    "review_request": "cctvkit.requests.review",
    "VerifyResult": "cctvkit.requests.verify",
    "verify_path": "cctvkit.requests.verify",
    "WindowSpec": "cctvkit.requests.windows",
    "parse_window": "cctvkit.requests.windows",
}

__all__ = [
    "DEFAULT_REDACTION_FPS",
    "CameraCoverage",
    "Estimate",
    "Gap",
    "NewRequest",
    "ProcessOptions",
    "ProcessResult",
    "ReleaseManifest",
    "RequestKind",
    "ReviewSheet",
    "SourceSpan",
    "VerifyResult",
    "WindowSpec",
    "approve_unredacted",
    "check_unredacted_allowed",
    "close_request",
    "due_date",
    "estimate_work",
    "extend_request",
    "extended_due_date",
    "find_coverage",
    "get_request",
    "identify_requester",
    "open_request",
    "parse_window",
    "process_request",
    "recipient_category",
    "refuse_request",
    "review_request",
    "validate_request_id",
    "verify_path",
]


__getattr__ = lazy_getattr(__name__, _LAZY)
