"""Progress lines a person at the terminal should see even when logging is quiet.

Library code logs them to :data:`notice` at INFO; the CLI prints that logger's records to stderr
as ``cctvkit: ...`` lines whatever the log level (``-v`` is for cron's structured lines). Used for
waits a user would otherwise take for a hang, such as preparing the int8 detector on first use.
"""

from __future__ import annotations

import logging

__all__ = ["NOTICE_LOGGER", "notice"]

NOTICE_LOGGER = "cctvkit.notice"

notice = logging.getLogger(NOTICE_LOGGER)
