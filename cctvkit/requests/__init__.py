"""Access requests and releases (policy 12.7, 12.8, 13.1.1, 13.4-13.6, 13.9): lifecycle to package."""

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
