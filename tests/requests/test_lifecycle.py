"""A request's life on a real catalog: open with holds, identify, extend, refuse, close; all audited."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cctvkit.catalog import audit_store
from cctvkit.errors import ConflictError, NotFoundError, UsageError
from cctvkit.requests.kinds import RequestKind, release_blockers
from cctvkit.requests.lifecycle import (
    NewRequest,
    close_request,
    extend_request,
    get_request,
    identify_requester,
    open_request,
    refuse_request,
)
from cctvkit.requests.windows import parse_window
from cctvkit.retention.holds import list_holds
from tests.requests.conftest import OPERATOR, IndexedSite

NOW = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)


def _new(site: IndexedSite, **kw) -> NewRequest:
    base = {
        "kind": RequestKind.SUBJECT,
        "requester": "Alex Doe",
        "windows": (parse_window("gate@2026-10-01T10:00:01/10:00:05", site.config),),
        "received_on": date(2026, 10, 3),
        "contact": "alex@example.org",
    }
    return NewRequest(**{**base, **kw})


def _actions(site: IndexedSite) -> list[str]:
    with site.catalog.read() as conn:
        return [r.action for r in audit_store.list_audit(conn)]


def test_open_places_hold_and_close_releases_it(indexed_site: IndexedSite) -> None:
    site = indexed_site
    req = open_request(site.catalog, site.config, _new(site), actor=OPERATOR, now=NOW)
    assert req.id == "R-2026-0001"
    assert req.due_on == date(2026, 11, 3)
    assert req.legal_basis.startswith("GDPR Art. 15")
    assert req.windows[0].camera_ids == ("gate",)
    holds = list_holds(site.catalog, request_id=req.id, now=NOW)
    assert len(holds) == 1 and holds[0].reference == req.id and holds[0].camera_ids == ("gate",)
    assert "request.open" in _actions(site) and "hold.add" in _actions(site)
    # Not identified yet: nothing may be released (13.4).
    assert any("identity" in p for p in release_blockers(req))

    second = open_request(site.catalog, site.config, _new(site), actor=OPERATOR, now=NOW)
    assert second.id == "R-2026-0002"

    closed = close_request(site.catalog, site.config, req.id, actor=OPERATOR, reason="answered", now=NOW)
    assert closed.status == "closed"
    assert list_holds(site.catalog, request_id=req.id, now=NOW) == []
    assert _actions(site)[-2:] == ["request.close", "hold.release"]
    with pytest.raises(ConflictError):
        close_request(site.catalog, site.config, req.id, actor=OPERATOR, now=NOW)


def test_identify_extend_and_cap(indexed_site: IndexedSite) -> None:
    site = indexed_site
    req = open_request(
        site.catalog, site.config, _new(site, received_on=date(2026, 1, 31)), actor=OPERATOR, now=NOW
    )
    assert req.due_on == date(2026, 2, 28)
    req = identify_requester(site.catalog, req.id, actor=OPERATOR, method="in person, passport", now=NOW)
    assert req.identity_verified_at == NOW and release_blockers(req) == []
    req = extend_request(site.catalog, req.id, actor=OPERATOR, months=1, reason="many cameras", now=NOW)
    assert req.due_on == date(2026, 3, 31)
    req = extend_request(site.catalog, req.id, actor=OPERATOR, months=1, reason="still busy", now=NOW)
    assert req.due_on == date(2026, 4, 30) and len(req.extensions) == 2
    with pytest.raises(UsageError, match="capped at 2 months"):
        extend_request(site.catalog, req.id, actor=OPERATOR, months=1, reason="again", now=NOW)
    with pytest.raises(UsageError, match="reason"):
        extend_request(site.catalog, req.id, actor=OPERATOR, months=1, reason=" ", now=NOW)
    assert _actions(site).count("request.extend") == 2


def test_refuse_records_reason_and_closes(indexed_site: IndexedSite) -> None:
    site = indexed_site
    req = open_request(site.catalog, site.config, _new(site), actor=OPERATOR, now=NOW)
    out = refuse_request(
        site.catalog, site.config, req.id, actor=OPERATOR, reason="13.8: identity not provided", now=NOW
    )
    assert out.outcome == "refused" and out.status == "closed"
    assert out.refusal_reason == "13.8: identity not provided"
    assert list_holds(site.catalog, request_id=req.id, now=NOW) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"requester": " "}, "requester"),
        ({"windows": ()}, "window"),
        ({"kind": RequestKind.POLICE}, "reasoned request"),
        ({"kind": RequestKind.INSURER}, "legal basis"),
        ({"received_on": date(2026, 10, 6)}, "future"),
    ],
)
def test_new_request_validation(indexed_site: IndexedSite, changes: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        open_request(
            indexed_site.catalog, indexed_site.config, _new(indexed_site, **changes), actor=OPERATOR, now=NOW
        )


def test_unknown_request(indexed_site: IndexedSite) -> None:
    with pytest.raises(NotFoundError):
        get_request(indexed_site.catalog, "R-2026-0042")
    with pytest.raises(UsageError):
        get_request(indexed_site.catalog, "../etc")
