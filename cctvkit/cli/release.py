"""`cctvkit release verify` and `cctvkit disclosures`: check a package; who received what, and why."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cctvkit.cli.context import parse_when, print_json, state
from cctvkit.cli.output import read_passphrase, say
from cctvkit.errors import AuditError

__all__ = ["app", "disclosures"]

app = typer.Typer(help="Release packages: verify one (directory or encrypted archive).")


@app.command("verify")
def verify(
    path: Annotated[Path, typer.Argument(help="Package directory or .tar.enc archive.")],
    *,
    passphrase_file: Annotated[
        Path | None, typer.Option(help="Passphrase of an encrypted archive [$CCTVKIT_PASSPHRASE or prompt].")
    ] = None,
    approver_key: Annotated[
        list[str] | None,
        typer.Option(
            "--approver-key",
            help="A public key (ed25519:...) or fingerprint you trust for the approval of an unredacted "
            "copy (repeatable).",
        ),
    ] = None,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check every hash of a package against SHA256SUMS and its manifest, and an unredacted copy's
    signed approval (exit 10 if anything fails)."""
    from cctvkit.requests.sealed import SEALED_SUFFIX
    from cctvkit.requests.verify import verify_path

    passphrase = None
    if path.is_file() and path.name.endswith(SEALED_SUFFIX):
        passphrase = read_passphrase(passphrase_file, confirm=False)
    result = verify_path(path, passphrase=passphrase, approver_keys=approver_key or ())
    approval = (result.manifest or {}).get("approval")
    if as_json_out:
        print_json(
            {
                "path": result.path,
                "ok": result.ok,
                "files_checked": result.files_checked,
                "problems": result.problems,
                "warnings": result.warnings,
                "release_id": (result.manifest or {}).get("release_id"),
                "approval": approval,
            }
        )
    else:
        for warning in result.warnings:
            say(f"warning: {warning}")
        if result.ok:
            rid = (result.manifest or {}).get("release_id")
            say(f"OK {rid}: {result.files_checked} file(s) match their hashes")
            if approval:
                say(
                    f"approval of the unredacted copy by {approval['approved_by']} verifies: signed with "
                    f"{approval['key_fingerprint']} at {approval['approved_at']}"
                    + ("" if approver_key else "; check that key with the site (--approver-key)")
                )
    if not result.ok:
        raise AuditError(f"{path} does not verify: " + "; ".join(result.problems))


def disclosures(
    ctx: typer.Context,
    *,
    request: Annotated[str | None, typer.Option(help="Only this request's disclosures.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date/time, ISO (site time).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this date/time, ISO (site time).")] = None,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The disclosure log: every release, who received what, when, why and on which basis."""
    from cctvkit.requests.listing import list_disclosures
    from cctvkit.requests.views import disclosure_json

    st = state(ctx)
    cfg = st.config
    rows = list_disclosures(
        st.catalog,
        request_id=request,
        since=parse_when(since, cfg, option="--since"),
        until=parse_when(until, cfg, option="--until"),
    )
    data = [disclosure_json(d, cfg.tz) for d in rows]
    if as_json_out:
        print_json(data)
        return
    # One block per entry: the log is read, not scanned, and long legal bases must not be cut.
    for d in data:
        say(
            f"{d['disclosed_at'][:16].replace('T', ' ')} {d['release_id']} to {d['recipient']} "
            f"({d['recipient_category']}), by {d['disclosed_by']}"
        )
        say(f"  basis: {d['legal_basis']}")
        say(f"  why:   {d['purpose']}")
        say(f"  what:  {d['what']}")
    say(f"{len(data)} disclosure(s)")
