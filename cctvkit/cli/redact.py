"""`cctvkit redact`: mask every face (but kept tracks) and the privacy zones of one video or still."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import closing, contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cctvkit.cli.context import console, print_json, progress_bar, state
from cctvkit.cli.redact_flags import redaction_flags, redaction_options
from cctvkit.errors import FacesRemainError, NotFoundError, UsageError
from cctvkit.redact.options import DEFAULT_MAX_DISTANCE, FaceCheckOptions

if TYPE_CHECKING:
    from cctvkit.config import JobsSection
    from cctvkit.jobs import ChunkRunner
    from cctvkit.redact import RedactionReport
    from cctvkit.redact.identity import IdentityMatch
    from cctvkit.redact.still import StillReport

__all__ = ["parse_track_ids", "parse_zone", "redact"]

_FACE_CHECK = FaceCheckOptions()


def parse_track_ids(value: str | None) -> list[int]:
    """Parse ``"3,7"`` into ``[3, 7]``; ``1:3`` is track 3 of the one clip, as `request process`
    writes it.

    Raises:
        UsageError: an item is not a non-negative integer.
    """
    if not value:
        return []
    ids = []
    for item in value.split(","):
        item = item.strip().removeprefix("1:")
        if not item.isdigit():
            raise UsageError(f"--keep-track: {item!r} is not a track id (e.g. --keep-track 3)")
        ids.append(int(item))
    return ids


def parse_zone(value: str) -> list[tuple[float, float]]:
    """Parse ``"x,y;x,y;x,y"`` (normalised coordinates) into a polygon.

    Raises:
        UsageError: not at least three ``x,y`` pairs of numbers.
    """
    points = []
    for pair in filter(None, re.split(r"[;\s]+", value.strip())):
        try:
            x, y = (float(v) for v in pair.split(","))
        except ValueError:
            raise UsageError(f"--zone: {pair!r} is not an x,y pair (e.g. 0,0;0.3,0;0.3,0.4)") from None
        points.append((x, y))
    if len(points) < 3:
        raise UsageError(f"--zone {value!r}: needs at least three x,y points")
    return points


@redaction_flags
def redact(
    ctx: typer.Context,
    input_path: Annotated[Path, typer.Argument(help="Video or still (JPEG/PNG) to redact.", metavar="INPUT")],
    *,
    output: Annotated[Path, typer.Option("--output", "-o", help="Redacted MP4 to write (a still: a .jpg).")],
    start: Annotated[
        float | None, typer.Option("--start", help="Start of the span to redact, seconds.")
    ] = None,
    end: Annotated[float | None, typer.Option("--end", help="End of the span, seconds.")] = None,
    keep_track: Annotated[
        list[str] | None,
        typer.Option(
            "--keep-track",
            metavar="TRACK",
            help="Track id to leave visible, from --review (repeatable: --keep-track 3 --keep-track 7).",
        ),
    ] = None,
    keep_face: Annotated[
        Path | None,
        typer.Option(
            "--keep-face",
            help="Photo of the subject: leave visible the tracks whose face matches it "
            "(one detection pass, then a render of it; needs the extra `faces`).",
            metavar="PHOTO",
        ),
    ] = None,
    max_face_distance: Annotated[
        float,
        typer.Option(
            "--max-face-distance",
            min=0.0,
            max=2.0,
            help="--keep-face: largest embedding distance that is the same person "
            "(higher keeps look-alikes visible).",
        ),
    ] = DEFAULT_MAX_DISTANCE,
    review: Annotated[
        bool,
        typer.Option(
            "--review", help="Also write OUTPUT.review.png (tracks with ids) and OUTPUT.tracks.json."
        ),
    ] = False,
    requester_only: Annotated[
        bool,
        typer.Option(
            "--requester-only",
            help="Leave only the kept person (--keep-track/--keep-face) in view, face and body, "
            "followed through the clip; everything else is coarsely pixelated (issue 26).",
        ),
    ] = False,
    zone: Annotated[
        list[str] | None,
        typer.Option("--zone", help="Privacy zone, normalised x,y;x,y;x,y (repeatable)."),
    ] = None,
    keep_audio: Annotated[
        bool, typer.Option("--keep-audio", help="Keep the audio track (policy 12.3).")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="JSON report [default: OUTPUT.redaction.json].")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUTPUT if it exists.")] = False,
    face_check: Annotated[
        bool,
        typer.Option(
            "--face-check/--no-face-check",
            help="Check the output for visible faces with a second model family and re-mask them.",
        ),
    ] = _FACE_CHECK.enabled,
    # The names before "audit" came to mean the audit log only: scripts written for them still run.
    old_face_check: Annotated[bool | None, typer.Option("--audit/--no-audit", hidden=True)] = None,
    old_rounds: Annotated[int | None, typer.Option("--audit-rounds", hidden=True)] = None,
    old_every: Annotated[int | None, typer.Option("--audit-every", hidden=True)] = None,
    face_check_rounds: Annotated[
        int, typer.Option("--face-check-rounds", help="Re-mask rounds before findings count as remaining.")
    ] = _FACE_CHECK.rounds,
    face_check_every: Annotated[
        int,
        typer.Option(
            "--face-check-every",
            help="Check one output frame in N (what it finds is followed over the frames between).",
        ),
    ] = _FACE_CHECK.every,
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes",
            min=1,
            help="Redact in chunks on this many local processes [default: the config's [jobs]].",
        ),
    ] = None,
    chunk_seconds: Annotated[
        float | None,
        typer.Option("--chunk-seconds", min=1.0, help="Chunk length [default: the config's [jobs] chunk_s]."),
    ] = None,
    fps: Annotated[
        float | None,
        typer.Option(
            "--fps",
            metavar="RATE",
            help="A raw .h264/.h265 stream (no frame times): the rate it was recorded at. It is "
            "remuxed in-process; the report records the times as assumed.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    flags: dict[str, Any],
) -> None:
    """Blur every face but the kept tracks, and the privacy zones; write H.264 MP4 (no audio unless kept).

    The output is then face-checked (unless --no-face-check): faces still visible are re-masked; when some
    remain after the last round the command prints them and exits 9.

    A still (JPEG or PNG, judged by content) is redacted the same way into a JPEG re-encoded from
    its pixels (no EXIF, GPS or thumbnail): `cctvkit redact snap.jpg -o out.jpg`. --keep-face
    applies; --keep-track, --review, --start/--end and --keep-audio do not (one picture, no tracks).
    """
    if (start is None) != (end is None):
        raise UsageError("--start and --end go together")
    if not output.parent.is_dir():
        raise NotFoundError(f"output directory {output.parent} does not exist")
    if output.resolve() == input_path.resolve():
        raise UsageError(f"{output}: the output would overwrite the input")
    if output.is_dir():
        raise UsageError(f"{output} is a directory: name the file to write (--force replaces files only)")
    if output.exists() and not force:
        raise UsageError(f"{output} exists; pass --force to overwrite it")
    if requester_only and not (keep_track or keep_face):
        raise UsageError("--requester-only needs the requester: --keep-track TRACK or --keep-face PHOTO")
    options = redaction_options(state(ctx).optional_config, flags, keep_audio=keep_audio or None)
    span = (start, end) if start is not None and end is not None else None
    from cctvkit.video import is_still_image, probe

    still = is_still_image(input_path) and probe(input_path).kind == "still"  # probe: sizes, damage
    if still:
        for given, flag in (
            (start is not None, "--start/--end"),
            (keep_track, "--keep-track"),
            (review, "--review"),
            (keep_audio, "--keep-audio"),
        ):
            if given:
                raise UsageError(f"{input_path}: a still image: {flag} does not apply to a still")
        if output.suffix.lower() not in (".jpg", ".jpeg"):
            raise UsageError(
                f"{input_path}: a still image, not a video: name the output .jpg to redact it as a still"
            )
    # The detector stack is imported here, not at start-up: other commands never pay for it.
    from cctvkit.redact.pipeline import redact as redact_file
    from cctvkit.redact.spec import Engines, MaskSpec, Outputs, RequesterRegion

    spec = replace(
        MaskSpec.of(
            options,
            FaceCheckOptions(
                enabled=face_check if old_face_check is None else old_face_check,
                rounds=face_check_rounds if old_rounds is None else old_rounds,
                every=face_check_every if old_every is None else old_every,
            ),
            zones=[parse_zone(z) for z in zone or []],
            keep_tracks=parse_track_ids(",".join(keep_track or [])),
        ),
        max_face_distance=max_face_distance,
        requester_only=RequesterRegion() if requester_only else None,
    )
    settings = _jobs(ctx, processes)
    # Job files beside the output: a rerun after a failure redoes only the missing chunks.
    jobs_dir = output.with_name(output.name + ".jobs")
    chunked = not still and (processes is not None or chunk_seconds is not None or _chunked(settings))
    from cctvkit.redact.raw_input import raw_stream_input, record_assumed_timing
    from cctvkit.redact.still import StillReport

    raw = nullcontext((input_path, None)) if still else raw_stream_input(input_path, fps, output.parent)
    with (
        raw as (source, timing),
        _chunk_runner(settings, jobs_dir, input_path, chunk_seconds, enabled=chunked) as runner,
        progress_bar(f"redacting {input_path.name}", enabled=not as_json and not still) as update,
    ):
        result = redact_file(
            source,
            spec,
            Engines.load(spec, keep_face=keep_face, runner=runner),
            Outputs(output, report_path=report, review=review, progress=update),
            span_s=span,
        )
        if timing is not None and not isinstance(result, StillReport):
            result = record_assumed_timing(result, input_path, timing, report)
    if chunked:
        shutil.rmtree(jobs_dir, ignore_errors=True)
    _print_result(result, output, review=review, as_json=as_json)
    _refuse_remaining(result, output)


def _print_result(
    result: RedactionReport | StillReport, output: Path, *, review: bool, as_json: bool
) -> None:
    from rich.table import Table

    from cctvkit.redact import review_paths
    from cctvkit.redact.report import face_check_line
    from cctvkit.redact.still import StillReport

    if as_json:
        print_json(result.to_dict())
        return
    if result.identity is not None:
        _print_identity(result.identity)
    if isinstance(result, StillReport):
        table = Table(
            "face", "box", "score", "kept", title=f"{output} (still, {result.width}x{result.height})"
        )
        for face in result.faces:
            table.add_row(
                str(face.index), str(list(face.xyxy)), f"{face.confidence:.2f}", "yes" if face.kept else ""
            )
        console.print(table)
        console.print(
            f"{len(result.faces)} face(s), {result.faces_masked} masked, {len(result.kept_faces)} kept"
        )
        region = result.parameters.get("requester_only")
        if isinstance(region, dict):
            console.print(
                "requester-only: the kept face's body stays, the rest is pixelated"
                if region["region"]
                else "requester-only: no face matched the reference: the whole still is pixelated"
            )
    else:
        table = Table("track", "frames", "detected", "kept", title=f"{output} ({result.frame_count} frames)")
        for track in result.tracks:
            table.add_row(
                str(track.track_id),
                f"{track.first_frame}-{track.last_frame}",
                str(track.detected_frames),
                "yes" if track.kept else "",
            )
        console.print(table)
        if result.unknown_kept_tracks:
            console.print(f"warning: no track has id {', '.join(map(str, result.unknown_kept_tracks))}")
        if review:
            sheet, tracks = review_paths(output)
            console.print(f"review: {sheet} and {tracks}")
        console.print(
            f"{result.frame_count} frames, {len(result.tracks)} tracks, "
            f"{len(result.kept_tracks)} kept, {result.frames_per_second:.1f} fps"
        )
        if result.requester_only is not None:
            from cctvkit.redact.requester_only import region_line

            console.print(
                region_line(result.requester_only, result.frame_count), markup=False, highlight=False
            )
    if result.face_check_json is not None:
        console.print(face_check_line(result.face_check_json), markup=False, highlight=False, soft_wrap=True)


def _refuse_remaining(result: RedactionReport | StillReport, output: Path) -> None:
    from cctvkit.redact.report import remaining_text

    check = result.face_check
    if check is not None and check.remaining:
        raise FacesRemainError(
            f"{output}: the face check still sees {check.remaining} face(s) after "
            f"{check.rounds} round(s): {remaining_text(check.to_dict())}"
            " (check the output; raise --face-check-rounds, or mask them with a privacy zone)"
        )


def _jobs(ctx: typer.Context, processes: int | None) -> JobsSection:
    """``[jobs]`` of the site config if there is one (``redact`` also runs without a site);
    ``--processes`` makes it that many local processes."""
    from cctvkit.config import JobsSection

    config = state(ctx).optional_config
    settings = config.jobs if config is not None else JobsSection()
    if processes is not None:
        settings = settings.model_copy(update={"backend": "local", "processes": processes})
    return settings


def _chunked(settings: JobsSection) -> bool:
    return settings.backend != "local" or settings.processes > 1 or settings.chunk_s is not None


@contextmanager
def _chunk_runner(
    settings: JobsSection, directory: Path, input_path: Path, chunk_seconds: float | None, *, enabled: bool
) -> Iterator[ChunkRunner | None]:
    """A long file's chunk jobs ([jobs] backend, or ``--processes`` local ones), open while it runs."""
    if not enabled:
        yield None
        return
    from cctvkit.jobs import ChunkRunner, make_backend

    with closing(make_backend(settings)) as backend:
        yield ChunkRunner(
            settings,
            backend,
            directory,
            f"redact-{input_path.stem}",
            chunk_s=chunk_seconds,
            label=str(input_path),
        )


def _print_identity(identity: IdentityMatch) -> None:
    from rich.table import Table

    table = Table(
        "track",
        "distance",
        "face px",
        "decision",
        title=f"--keep-face {identity.reference_name}: max distance {identity.max_distance:.2f}",
    )
    for match in identity.tracks:
        table.add_row(
            str(match.track_id),
            "" if match.distance is None else f"{match.distance:.3f}",
            f"{match.face_px:.0f}",
            str(match.decision),
        )
    console.print(table)
