"""A request's private working directory: unredacted working clips and review sheets, never released."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from cctvkit.config import SiteConfig
from cctvkit.files import check_private, ensure_private_dir
from cctvkit.requests.ids import validate_request_id

__all__ = ["discard_work", "work_dir"]

log = logging.getLogger(__name__)


def _path(config: SiteConfig, request_id: str) -> Path:
    # The id is validated, so the path cannot leave data_dir/work.
    return Path(config.data_dir) / "work" / validate_request_id(request_id)


def work_dir(config: SiteConfig, request_id: str) -> Path:
    """``data_dir/work/<request id>``, created 0700.

    Raises:
        PermissionsError: the data or work directory exists and is open to other users (it holds
            unredacted copies: refused rather than silently tightened, so the exposure is noticed).
    """
    path = _path(config, request_id)
    check_private([Path(config.data_dir), path.parent, path])
    ensure_private_dir(path.parent)
    return ensure_private_dir(path)


def discard_work(config: SiteConfig, request_id: str) -> bool:
    """Delete a request's working files (they are unredacted copies); True if there were any.

    Called when the request closes: the copies must not outlive the footage's own retention.
    """
    path = _path(config, request_id)
    if not path.exists():
        return False
    shutil.rmtree(path)
    log.info("discarded working files of %s", request_id)
    return True
