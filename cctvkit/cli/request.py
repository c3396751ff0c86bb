"""`cctvkit request`: access requests from receipt to release or refusal (policy 12.7-13.9)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from cctvkit.cli.context import console, parse_when, print_json, state
from cctvkit.cli.output import KEY_PASSPHRASE_ENV, read_key_passphrase, say, short_time
from cctvkit.errors import UsageError
from cctvkit.requests.kinds import RequestKind
from cctvkit.timeparse import local_date

__all__ = ["app"]

app = typer.Typer(help="Access requests: open, find and estimate, review, process, refuse, close.")


def _today(ctx: typer.Context) -> date:
    return datetime.now(state(ctx).config.tz).date()


@app.command("new")
def new(
    ctx: typer.Context,
    *,
    kind: Annotated[RequestKind, typer.Option("--type", help="Who asks.")] = RequestKind.SUBJECT,
    requester: Annotated[str, typer.Option(help="The person, authority or company asking.")],
    window: Annotated[
        list[str],
        typer.Option(help="PLACE@FROM/TO, site time, e.g. gate@2026-10-01T09:00:04/09:00:10 (repeatable)."),
    ],
    contact: Annotated[str | None, typer.Option(help="E-mail or postal address for the reply.")] = None,
    recipient: Annotated[str | None, typer.Option(help="Who receives the release [requester].")] = None,
    received: Annotated[str | None, typer.Option(help="Date received, YYYY-MM-DD [today].")] = None,
    identity_method: Annotated[
        str | None, typer.Option(help="How the requester was identified (13.4-13.5).")
    ] = None,
    identity_verified: Annotated[
        str | None, typer.Option(help="When identified, ISO or 'now' (needs --identity-method).")
    ] = None,
    police_reference: Annotated[
        str | None, typer.Option(help="Reference of a police reasoned request (12.7.1).")
    ] = None,
    legal_basis: Annotated[
        str | None, typer.Option(help="Legal basis of the disclosure [defaults for subject, police].")
    ] = None,
    purpose: Annotated[str | None, typer.Option(help="What the footage is for.")] = None,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print the request as JSON.")] = False,
) -> None:
    """Open a request and place a hold on its windows."""
    from cctvkit.requests import NewRequest, open_request, parse_window
    from cctvkit.requests.views import request_json

    st = state(ctx)
    cfg = st.config
    received_on = local_date(received, what="--received") if received else _today(ctx)
    verified = None
    if identity_verified:
        now_text = datetime.now(UTC).isoformat()
        verified = parse_when(
            now_text if identity_verified == "now" else identity_verified, cfg, option="--identity-verified"
        )
    spec = NewRequest(
        kind=kind,
        requester=requester,
        windows=tuple(parse_window(w, cfg) for w in window),
        received_on=received_on,
        contact=contact,
        recipient=recipient,
        identity_method=identity_method,
        identity_verified_at=verified,
        police_reference=police_reference,
        legal_basis=legal_basis,
        purpose=purpose,
    )
    req = open_request(st.catalog, cfg, spec, actor=st.operator)
    if as_json_out:
        print_json(request_json(req, cfg.tz, _today(ctx)))
        return
    say(f"opened {req.id} ({req.kind}, due {req.due_on}); held {len(req.windows)} window(s)")


@app.command("ls")
def ls(
    ctx: typer.Context,
    *,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only unanswered requests past due.")] = False,
    due_within: Annotated[
        int | None, typer.Option(help="Only unanswered requests due within DAYS (and overdue ones).")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include closed requests.")] = False,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List requests by due date (open ones unless --all)."""
    from rich.table import Table
    from rich.text import Text

    from cctvkit.requests.listing import list_requests
    from cctvkit.requests.views import request_json

    st = state(ctx)
    today = _today(ctx)
    rows = list_requests(
        st.catalog, today=today, include_closed=all_, overdue=overdue, due_within_days=due_within
    )
    data = [request_json(r, st.config.tz, today) for r in rows]
    if as_json_out:
        print_json(data)
        return
    table = Table()
    for name in ("id", "type", "requester", "received", "due", "left", "status", "outcome"):
        # Ids and dates are what staff type and act on next: never cut them.
        table.add_column(name, no_wrap=name in ("id", "received", "due", "left"))
    for r in data:
        left = "-" if r["days_left"] is None else f"{r['days_left']} d"
        if r["overdue"]:
            left = Text(f"{left} OVERDUE", style="red")
        table.add_row(
            r["id"],
            r["type"],
            r["requester"],
            r["received_on"],
            r["due_on"],
            left,
            r["status"],
            r["outcome"] or "-",
        )
    console.print(table)
    say(f"{len(data)} request(s)")


@app.command("show")
def show(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Request id, e.g. R-2026-0001.")],
    *,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Everything about one request: windows, identity, deadlines, holds, releases, refusal."""
    from cctvkit.requests import find_coverage, get_request
    from cctvkit.requests.coverage import WITHHELD_REASONS
    from cctvkit.requests.listing import list_releases
    from cctvkit.requests.views import coverage_json, request_json
    from cctvkit.retention import list_holds

    st = state(ctx)
    req = get_request(st.catalog, request_id)
    holds = list_holds(st.catalog, request_id=req.id, include_inactive=True)
    data = request_json(
        req, st.config.tz, _today(ctx), holds=holds, releases=list_releases(st.catalog, req.id)
    )
    # While open, what cannot be released now (restricted, purged, missing) is shown with the reason.
    data["footage"] = coverage_json(find_coverage(st.catalog, req), st.config.tz) if req.is_open else []
    if as_json_out:
        print_json(data)
        return
    left = "" if data["days_left"] is None else f" ({data['days_left']} days left)"
    lines = [
        f"{data['id']} {data['type']} request, {data['status']}"
        + (f", outcome: {data['outcome']}" if data["outcome"] else ""),
        f"requester: {data['requester']} ({data['contact'] or 'no contact'}); recipient: {data['recipient']}",
        f"identity: {data['identity']['method'] or 'NOT VERIFIED'} "
        f"{short_time(data['identity']['verified_at'])}",
        f"legal basis: {data['legal_basis']}",
        f"received {data['received_on']}, due {data['due_on']}{left}"
        + (" OVERDUE" if data["overdue"] else ""),
    ]
    if data["police_reference"]:
        lines.append(f"police reference: {data['police_reference']}")
    for w in data["windows"]:
        lines.append(
            f"window {w['seq']}: {w['place']} ({', '.join(w['cameras'])}) "
            f"{short_time(w['start_local'])} - {short_time(w['end_local'])}"
        )
    for e in data["extensions"]:
        lines.append(f"extended {e['months']} month(s) by {e['by']}: {e['reason']} (due {e['due_after']})")
    for a in data["approvals"]:
        signed = f"signed with {a['key_fingerprint']}" if a.get("key_fingerprint") else "NOT SIGNED"
        used = f", used by {a['used_by']}" if a.get("used_by") else ""
        lines.append(
            f"approved ({a['scope']}) by {a['approved_by']}, recorded by {a['recorded_by']}, {signed}{used}"
        )
    for h in data["holds"]:
        lines.append(
            f"hold #{h['id']} on {', '.join(h['cameras'])}: "
            + ("released " + short_time(h["released_at"]) if h["released_at"] else "in force")
        )
    for r in data["releases"]:
        stills = f", {len(r['stills'])} still(s)" if r["stills"] else ""
        lines.append(
            f"release {r['id']} ({r['outcome']}, {'redacted' if r['redacted'] else 'UNREDACTED'}) "
            f"to {r['recipient']}: {len(r['clips'])} clip(s){stills} at {r['path']}"
        )
        for s in r["stills"]:
            lines.append(
                f"  {s['file']}: still {s['camera_id']} {short_time(s['taken_local'])}, "
                f"{s['faces_masked']} face(s) masked, {s['faces_kept']} kept, sha256 {s['sha256'][:12]}"
            )
        for c in r["clips"]:
            if c.get("mode") == "requester-only":
                lines.append(
                    f"  {c['file']}: requester-only (the requester alone in view, all else masked): "
                    f"their region on {c['region_frames']} of {c['frames']} frames"
                )
        for c in [*r["clips"], *r["stills"]]:
            if c["faces_accepted"]:
                lines.append(
                    f"  {c['file']}: {c['faces_remaining']} face(s) the face check still saw, accepted by "
                    f"{r['created_by']}: {c['faces_accepted']}"
                )
        for w in r["withheld"]:
            tag = "withheld" if w["withheld"] else "not available"
            lines.append(
                f"  {tag}: {w['camera_id']} {short_time(w['start_local'])} - {short_time(w['end_local'])}: "
                f"{w['detail']}"
            )
    for c in data["footage"]:
        for g in c["gaps"]:
            tag = "withheld" if g["reason"] in WITHHELD_REASONS else "not available"
            span = f"{short_time(g['from_local'])} - {short_time(g['to_local'])}"
            lines.append(f"{tag} ({g['reason']}): {c['camera_id']} {span}: {g['detail']}")
    if data["refusal_reason"]:
        lines.append(f"refused: {data['refusal_reason']}")
    if data["closed_at"]:
        lines.append(f"closed {short_time(data['closed_at'])} by {data['closed_by']}: {data['close_reason']}")
    for line in lines:
        say(line)


@app.command("identify")
def identify(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    *,
    method: Annotated[str, typer.Option(help="How: e-signature, in person with passport, ...")],
    at: Annotated[str | None, typer.Option(help="When, ISO [now].")] = None,
) -> None:
    """Record how and when the requester's identity was verified (13.4)."""
    from cctvkit.requests import identify_requester

    st = state(ctx)
    req = identify_requester(
        st.catalog,
        request_id,
        actor=st.operator,
        method=method,
        verified_at=parse_when(at, st.config, option="--at"),
    )
    say(f"{req.id}: identity verified ({req.identity_method})")


@app.command("extend")
def extend(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    *,
    months: Annotated[int, typer.Option(help="Months to add (at most 2 in total, 13.6).")] = 1,
    reason: Annotated[str, typer.Option(help="Why it is objectively necessary.")],
) -> None:
    """Extend the reply deadline."""
    from cctvkit.requests import extend_request

    st = state(ctx)
    req = extend_request(st.catalog, request_id, actor=st.operator, months=months, reason=reason)
    say(f"{req.id}: now due {req.due_on} ({req.extended_months} month(s) extension)")


@app.command("approve")
def approve(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Police request id.")],
    *,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Whose key to sign with, from your key directory [your only key]."),
    ] = None,
    key: Annotated[Path | None, typer.Option("--key", help="Sign with this key file instead.")] = None,
    passphrase_file: Annotated[
        Path | None,
        typer.Option(help=f"File whose first line is the key passphrase [${KEY_PASSPHRASE_ENV}, prompt]."),
    ] = None,
    note: Annotated[str | None, typer.Option(help="Why the unredacted copy is justified.")] = None,
) -> None:
    """Approve an unredacted copy for a police request with your own key (the second of four eyes)."""
    from cctvkit.keys import find_key, read_key_file, unlock_key
    from cctvkit.requests import approve_unredacted

    if by is not None and key is not None:
        raise UsageError("give --by or --key, not both")
    st = state(ctx)
    keyfile = read_key_file(key) if key is not None else find_key(by)
    signing = unlock_key(keyfile, read_key_passphrase(passphrase_file, confirm=False))
    req = approve_unredacted(st.catalog, st.config, request_id, actor=st.operator, key=signing, note=note)
    approval = req.approvals[-1]
    say(f"{req.id}: unredacted copy approved by {approval.approved_by}, signed with {signing.fingerprint}")


@app.command("refuse")
def refuse(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    *,
    reason: Annotated[str, typer.Option(help="The ground, e.g. 13.9.2 disproportionate effort because ...")],
) -> None:
    """Refuse a request with its reason and close it."""
    from cctvkit.requests import refuse_request

    st = state(ctx)
    req = refuse_request(st.catalog, st.config, request_id, actor=st.operator, reason=reason)
    say(f"{req.id}: refused and closed ({req.refusal_reason})")


@app.command("close")
def close(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    *,
    reason: Annotated[str | None, typer.Option(help="Why [request answered].")] = None,
) -> None:
    """Close a request: its holds are released and its working files deleted."""
    from cctvkit.requests import close_request

    st = state(ctx)
    req = close_request(st.catalog, st.config, request_id, actor=st.operator, reason=reason)
    say(f"{req.id}: closed; holds released")
