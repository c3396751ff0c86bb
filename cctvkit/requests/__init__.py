"""Access requests and releases (policy 12.7, 12.8, 13.1.1, 13.4-13.6, 13.9): lifecycle to package."""

from cctvkit.requests.deadlines import due_date, extended_due_date
from cctvkit.requests.ids import validate_request_id
from cctvkit.requests.kinds import RequestKind
from cctvkit.requests.windows import WindowSpec, parse_window

__all__ = ["RequestKind", "WindowSpec", "due_date", "extended_due_date", "parse_window", "validate_request_id"]
