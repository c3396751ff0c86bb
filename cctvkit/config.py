"""Site configuration (TOML): site, archive roots, catalog, cameras, retention, privacy zones, redaction."""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
import typing
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from cctvkit.errors import ConfigError, UsageError, one_line
from cctvkit.ingest.layouts import PRESETS, Layout, camera_patterns, uses_path_patterns
from cctvkit.redact.options import RedactOptions, build_options

__all__ = [
    "MAX_RETENTION_DAYS",
    "ROLES",
    "AccessSection",
    "ApproverConfig",
    "CameraConfig",
    "JobsSection",
    "Layout",
    "RedactionSection",
    "SiteConfig",
    "SiteSection",
    "load_config",
]

MAX_RETENTION_DAYS = 90
"""Policy 12.5: footage is kept at most 90 days from the date of recording."""

CONFIG_ENV = "CCTVKIT_CONFIG"
DEFAULT_CONFIG_NAME = "cctvkit.toml"

_CAMERA_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
_PATTERN_CODES = set("YmdHMSz%")

Point = Annotated[list[Annotated[float, Field(ge=0.0, le=1.0)]], Field(min_length=2, max_length=2)]


class _Model(BaseModel):
    # Unknown keys are typos until proven otherwise.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {name!r}") from exc


class CameraConfig(_Model):
    """One camera: where its files live, how their names carry time, how long they are kept."""

    id: str = Field(pattern=_CAMERA_ID, description="Stable camera id (lowercase, digits, - and _).")
    site: str = Field(min_length=1, description="Site the camera belongs to (free text).")
    area: str = Field(min_length=1, description="Area the camera watches (free text).")
    directory: str | None = Field(
        default=None, description="Subdirectory of an archive root holding this camera's files."
    )
    filename_pattern: str | None = Field(
        default=None,
        description="strftime codes matched against the file stem, local time; none: use the "
        "container's creation_time.",
    )
    path_pattern: str | list[str] | None = Field(
        default=None,
        description="Pattern(s) matched against the whole path below an archive root (and below "
        "`directory` if set): strftime codes, %f, %(end)X, * (see docs/archive-layouts.md).",
    )
    layout: Layout | None = Field(
        default=None, description="An NVR's layout (frigate, hikvision, dahua) instead of a pattern."
    )
    channel: int | None = Field(
        default=None, ge=1, le=999, description="The camera's channel number (hikvision, dahua layouts)."
    )
    nvr_name: str | None = Field(
        default=None,
        pattern=r"^[^/%*]+$",
        description="The camera's folder name in a Frigate layout; defaults to the id.",
    )
    time_tolerance_s: float = Field(
        default=5.0,
        ge=0.0,
        le=86_400.0,
        description="How far a file's name and its container may disagree on times before a note "
        "(creation_time) or the damaged state (a name's end past the footage).",
    )
    timezone: str | None = Field(default=None, description="IANA zone; defaults to the site's.")
    retention_days: int = Field(
        ge=1, le=MAX_RETENTION_DAYS, description="Days footage is kept (policy ceiling: 90)."
    )
    retention_justification: str = Field(
        min_length=10, description="Why this period is necessary (policy 12.5)."
    )
    privacy_zones: list[Annotated[list[Point], Field(min_length=3)]] = Field(
        default_factory=list,
        description="Polygons (normalised x, y in [0, 1]) always masked in every release (12.4).",
    )
    mask_text: bool | None = Field(
        default=None,
        description="Mask readable text (number plates, badges) in this camera's releases; "
        "none: the site's [redaction] mask_text.",
    )
    text_regions: list[Annotated[list[Point], Field(min_length=3)]] = Field(
        default_factory=list,
        description="Polygons (normalised) outside which text stays readable (e.g. the lane at a "
        "gate); empty: the whole frame.",
    )

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str | None) -> str | None:
        if value is not None:
            _zone(value)
        return value

    @field_validator("filename_pattern")
    @classmethod
    def _check_pattern(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if "/" in value:
            # It is matched against the file name alone and would never match (issue 14).
            raise ValueError("filename_pattern matches the file name alone; use path_pattern for folders")
        codes = re.findall(r"%(.)", value)
        bad = sorted({c for c in codes if c not in _PATTERN_CODES})
        if bad:
            raise ValueError(f"unsupported strftime code(s) {', '.join('%' + c for c in bad)}")
        if not {"Y", "m", "d", "H", "M"} <= set(codes):
            raise ValueError("filename_pattern needs at least %Y %m %d %H %M")
        return value

    @field_validator("directory")
    @classmethod
    def _check_directory(cls, value: str | None) -> str | None:
        if value is not None and (Path(value).is_absolute() or ".." in Path(value).parts):
            raise ValueError("directory must be relative to an archive root, without '..'")
        return value

    @model_validator(mode="after")
    def _check_naming(self) -> CameraConfig:
        check_one_naming_rule(self)
        check_path_patterns(self)
        return self

    @property
    def dir_name(self) -> str:
        return self.directory or self.id


class SiteSection(_Model):
    """The site as a whole."""

    name: str = Field(min_length=1, description="Site name shown in reports.")
    timezone: str = Field(description="IANA zone in which times are shown and entered.")
    archive_roots: list[Path] = Field(min_length=1, description="Directories holding footage.")
    data_dir: Path = Field(default=Path(".cctvkit"), description="Catalog, locks, work files.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in data_dir."
    )
    release_dir: Path | None = Field(
        default=None, description="Where release packages go; default: data_dir/releases."
    )
    operator: str | None = Field(
        default=None, description="Default operator name (CCTVKIT_OPERATOR overrides)."
    )

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        _zone(value)
        return value


# --- Approvers and access roles (issue 19) ---

ROLES = ("purge", "review", "release", "approve", "admin")
"""The roles an ``[access]`` section grants; ``cctvkit.access`` says which command needs which."""

_MEMBER = re.compile(r"^(\*|group:[A-Za-z0-9_.][A-Za-z0-9_.-]*|[A-Za-z0-9_.][A-Za-z0-9_.@$-]*)$")


def check_members(members: list[str]) -> list[str]:
    for member in members:
        if not _MEMBER.match(member):
            raise ValueError(f"{member!r} is not an OS user, group:NAME or *")
    return members


Members = Annotated[list[str], AfterValidator(check_members)]


class ApproverConfig(_Model):
    """A person whose signed approval can unlock an unredacted police copy."""

    name: str = Field(min_length=1, description="The approver's name, as their key file names them.")
    public_key: str = Field(description="ed25519:<base64>, as `cctvkit key new` prints it.")
    user: str | None = Field(
        default=None,
        min_length=1,
        description="The approver's OS login: their approvals must be made from it, and a copy made "
        "from it cannot use them.",
    )

    @field_validator("public_key")
    @classmethod
    def _check_key(cls, value: str) -> str:
        from cctvkit.keys import parse_public_key  # cryptography: only for configs that list keys

        parse_public_key(value)
        return value


def check_unique_approvers(approvers: list[ApproverConfig]) -> list[ApproverConfig]:
    names: set[str] = set()
    keys: set[str] = set()
    for a in approvers:
        name = " ".join(a.name.split()).casefold()
        if name in names:
            raise ValueError(f"approver {a.name!r} is listed twice")
        if a.public_key in keys:
            raise ValueError(f"approver {a.name!r} has the same public key as another approver")
        names.add(name)
        keys.add(a.public_key)
    return approvers


class AccessSection(_Model):
    """Who may run what: each role lists OS users, ``group:NAME`` for a group, or ``*`` for anyone.

    Every role must be listed once the section exists, so nothing is open by omission.
    """

    purge: Members = Field(description="Run the purge (the cron user).")
    review: Members = Field(description="See unredacted faces: review sheets and the review page.")
    release: Members = Field(description="Handle requests and make release packages.")
    approve: Members = Field(description="Approve unredacted police copies (with their own key).")
    admin: Members = Field(description="Index the archive, holds, restrictions, backups.")


# --- Redaction (issue 18) ---


class RedactionStyleSection(_Model):
    """How faces are masked; unset keys keep :class:`~cctvkit.redact.masking.MaskStyle`'s defaults."""

    method: str | None = Field(default=None, description="blur, pixelate or fill.")
    shape: str | None = Field(default=None, description="ellipse or box.")
    scale: float | None = Field(default=None, description="Mask size relative to the face box.")
    cells: int | None = Field(default=None, description="Cells across a blurred/pixelated mask.")
    fill_rgb: list[int] | None = Field(default=None, description="Colour of method fill, [r, g, b].")


class RedactionSection(_Model):
    """The site's redaction settings for ``redact``, ``request review`` and ``request process``.

    Keys are :class:`~cctvkit.redact.options.RedactOptions` fields; an unset key keeps the default
    written there (the one place defaults live). A run's flags override them.
    """

    model: str | None = Field(default=None, description="Face detector: centerface or yolo.")
    weights: str | None = Field(default=None, description="Model file for yolo (relative: to this file).")
    provider: str | None = Field(default=None, description="onnxruntime provider (cpu, cuda, ...).")
    threads: int | None = Field(default=None, description="Inference threads (default: the cores).")
    precision: str | None = Field(default=None, description="auto, int8 or fp32.")
    threshold: float | None = Field(default=None, description="Confidence at which a box is a face.")
    detect_long_side: int | None = Field(default=None, description="Resize frames for detection.")
    detect_every_s: float | None = Field(default=None, description="Seconds between detections.")
    regions: str | None = Field(default=None, description="auto, on or off.")
    sweep_every: int | None = Field(default=None, description="Whole-frame tile every n-th detection.")
    lookahead_s: float | None = Field(default=None, description="Seconds masked before a first detection.")
    trail_s: float | None = Field(default=None, description="Seconds masked after a last detection.")
    lost_track_s: float | None = Field(default=None, description="Seconds a track may go undetected.")
    mask_text: bool | None = Field(
        default=None, description="Also mask readable text (number plates, badges, screens)."
    )
    preset: str | None = Field(default=None, description="x264 preset.")
    crf: int | None = Field(default=None, description="x264 quality (0-51, lower is better).")
    x264_params: str | None = Field(default=None, description="x264 options after the preset.")
    style: RedactionStyleSection = Field(default_factory=RedactionStyleSection)
    requester_only_for_subject_requests: bool = Field(
        default=False,
        description="Release subject access requests requester-only by default: the requester alone "
        "in view, everything else masked (issue 26; `request process --no-requester-only` opts out).",
    )

    @model_validator(mode="after")
    def _check_values(self) -> RedactionSection:
        try:
            self.options()
        except UsageError as exc:
            raise ValueError(str(exc)) from None
        return self

    def settings(self) -> dict[str, typing.Any]:
        """The keys the site set (``None``: not set), as :func:`build_options` takes them."""
        return self.model_dump(exclude={"requester_only_for_subject_requests"})

    def options(self, overrides: typing.Mapping[str, typing.Any] | None = None) -> RedactOptions:
        """The site's options, with a run's ``overrides`` (same keys; ``None``: keep the site's).

        Raises:
            UsageError: an override out of range.
        """
        return build_options(self.settings(), overrides or {})


class JobsSection(_Model):
    """How long redactions are split into chunks and where the chunks run (issue 16)."""

    backend: str = Field(
        default="local",
        pattern="^(local|celery)$",
        description="local: a process pool on this machine; celery: workers on any host via broker_url.",
    )
    processes: int = Field(default=1, ge=1, le=256, description="local backend: worker processes.")
    broker_url: str | None = Field(
        default=None, description="celery backend: the broker, e.g. redis://10.0.0.5:6379/0."
    )
    queue: str = Field(default="cctvkit", min_length=1, description="celery backend: queue name.")
    chunk_s: float | None = Field(
        default=None,
        ge=1.0,
        le=3600.0,
        description="Target chunk length, seconds (cut at keyframes); default: 60 when chunks run "
        "in parallel (celery, or local with processes > 1), else one pass per clip.",
    )
    overlap_s: float = Field(
        default=2.0,
        ge=0.0,
        le=60.0,
        description="Context decoded and tracked before and after each chunk (at least what the "
        "lookahead, trail and lost-track time need).",
    )
    max_attempts: int = Field(default=3, ge=1, le=20, description="Attempts per chunk before the run fails.")
    visibility_timeout_s: int = Field(
        default=7200,
        ge=1,
        description="celery backend: seconds before the broker hands an unacknowledged chunk to "
        "another worker; longer than the longest chunk takes.",
    )
    restore_interval_s: int = Field(
        default=10, ge=1, description="celery backend: seconds between sweeps for abandoned chunks."
    )
    report_interval_s: float = Field(
        default=30.0,
        ge=0.5,
        le=30.0,
        description="Off a terminal, a line at least this often (seconds) while chunks run or wait, "
        "so a stuck run and a slow one can be told apart in a log (issue 30).",
    )

    @model_validator(mode="after")
    def _check_backend(self) -> JobsSection:
        if self.backend == "celery" and not self.broker_url:
            raise ValueError("backend celery needs broker_url (e.g. redis://localhost:6379/0)")
        return self


class SiteConfig(_Model):
    """The whole configuration file, with paths resolved against the file's directory."""

    site: SiteSection
    cameras: list[CameraConfig] = Field(min_length=1)
    approvers: Annotated[list[ApproverConfig], AfterValidator(check_unique_approvers)] = Field(
        default_factory=list, description="People who can sign unredacted-copy approvals (issue 19)."
    )
    access: AccessSection | None = Field(
        default=None, description="Roles by OS user or group; without it, anyone who can run cctvkit may."
    )
    redaction: RedactionSection = Field(
        default_factory=RedactionSection, description="How releases are redacted (issue 18)."
    )
    jobs: JobsSection = Field(default_factory=JobsSection, description="Chunked redaction jobs.")
    source: Path | None = Field(default=None, exclude=True, description="File it came from.")

    @model_validator(mode="after")
    def _check_all(self) -> SiteConfig:
        check_unique_camera_ids(self)
        check_distinct_directories(self)
        check_roots_exist(self)
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.site.timezone)

    def camera(self, camera_id: str) -> CameraConfig | None:
        return next((c for c in self.cameras if c.id == camera_id), None)

    def camera_tz(self, camera: CameraConfig) -> ZoneInfo:
        return ZoneInfo(camera.timezone or self.site.timezone)

    @property
    def archive_roots(self) -> list[Path]:
        return [Path(r) for r in self.site.archive_roots]

    @property
    def data_dir(self) -> Path:
        return self.site.data_dir

    @property
    def release_dir(self) -> Path:
        return self.site.release_dir or self.site.data_dir / "releases"

    @property
    def site_key_path(self) -> Path:
        """The site's Ed25519 key that signs release packages (made on the first release)."""
        return self.site.data_dir / "site-signing.key"

    @property
    def database_url(self) -> str:
        return self.site.database_url or f"sqlite:///{self.site.data_dir / 'catalog.db'}"

    @classmethod
    def from_toml(cls, path: Path) -> SiteConfig:
        """Load and validate a TOML file; relative paths are taken from the file's directory.

        Raises:
            ConfigError: the file is missing, not TOML, or fails validation (one line).
        """
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {path} (run `cctvkit init`)") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config {path}: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
        base = path.resolve().parent
        site = raw.get("site")
        if isinstance(site, dict):
            for key in ("data_dir", "release_dir"):
                if isinstance(site.get(key), str):
                    site[key] = str(base / site[key])
            if isinstance(site.get("archive_roots"), list):
                site["archive_roots"] = [
                    str(base / r) if isinstance(r, str) else r for r in site["archive_roots"]
                ]
            if "data_dir" not in site:
                site["data_dir"] = str(base / ".cctvkit")
        redaction = raw.get("redaction")
        if isinstance(redaction, dict) and isinstance(redaction.get("weights"), str):
            redaction["weights"] = str(base / redaction["weights"])
        # Strict, through JSON: a number or boolean must be written as one (`retention_days = "30"`
        # is refused, issue 18), while strings still become paths, zones and enums.
        document = json.dumps({**raw, "source": str(path.resolve())}, default=str)
        try:
            return cls.model_validate_json(document, strict=True)
        except ValidationError as exc:
            raise ConfigError(f"{path}: {_first_error(exc, raw)}") from exc


def check_unique_camera_ids(config: SiteConfig) -> None:
    seen: set[str] = set()
    for camera in config.cameras:
        if camera.id in seen:
            raise ValueError(f"camera id {camera.id!r} is defined twice")
        seen.add(camera.id)


def check_one_naming_rule(camera: CameraConfig) -> None:
    """A camera's names follow one of: a layout, a path_pattern, a filename_pattern (or none)."""
    given = [k for k in ("layout", "path_pattern", "filename_pattern") if getattr(camera, k) is not None]
    if len(given) > 1:
        raise ValueError(f"{' and '.join(given)} exclude each other: choose one")
    if camera.layout is None and (camera.channel is not None or camera.nvr_name is not None):
        raise ValueError("channel and nvr_name belong with a layout")
    if camera.path_pattern == []:
        raise ValueError("path_pattern needs at least one pattern")


def check_path_patterns(camera: CameraConfig) -> None:
    """The layout's or path_pattern's patterns compile, and a channel is given where the layout needs one."""
    if camera.layout is not None:
        preset = PRESETS[camera.layout]
        if preset.needs_channel and camera.channel is None:
            raise ValueError(
                f"layout {camera.layout.value!r} needs the camera's channel number (channel = 1)"
            )
        if not preset.needs_channel and camera.channel is not None:
            raise ValueError(
                f"layout {camera.layout.value!r} takes no channel (the camera's folder is nvr_name)"
            )
    try:
        camera_patterns(camera)
    except ValueError as exc:
        raise ValueError(f"path_pattern: {exc}") from exc


def check_distinct_directories(config: SiteConfig) -> None:
    """Plain cameras own a directory each; cameras matched by path share folders but not patterns."""
    seen: dict[str, str] = {}
    for camera in config.cameras:
        if uses_path_patterns(camera):
            keys = [f"pattern {p.pattern!r}" for p in camera_patterns(camera)]
        else:
            keys = [f"directory {camera.dir_name!r}"]
        for key in keys:
            other = seen.setdefault(key, camera.id)
            if other != camera.id:
                raise ValueError(f"cameras {other!r} and {camera.id!r} share {key}")


def check_roots_exist(config: SiteConfig) -> None:
    for root in config.site.archive_roots:
        if not Path(root).is_dir():
            raise ValueError(f"archive root does not exist or is not a directory: {root}")


def _first_error(exc: ValidationError, raw: dict) -> str:
    """One line for the first problem, naming cameras by id rather than by list index.

    An unknown key comes first: a misspelt required key also reports the real one as missing,
    and the typo is what the user must fix.
    """
    errors = exc.errors()
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = list(err["loc"])
    if len(loc) >= 2 and loc[0] == "cameras" and isinstance(loc[1], int):
        cams = raw.get("cameras") or []
        cam_id = cams[loc[1]].get("id") if loc[1] < len(cams) and isinstance(cams[loc[1]], dict) else None
        loc[1] = f"[{cam_id or loc[1]}]"
    where = ".".join(str(p) for p in loc).replace(".[", "[")
    msg = err["msg"].removeprefix("Value error, ")
    if loc and loc[-1] == "retention_days" and err["type"] == "less_than_equal":
        msg = f"{err.get('input')} days exceeds the policy ceiling of {MAX_RETENTION_DAYS} days (12.5)"
    if err["type"] == "missing":
        msg = "required but missing"
    if err["type"] == "extra_forbidden":
        msg = _unknown_key(str(loc[-1]), _keys_at(err["loc"][:-1]))
    return one_line(f"{where}: {msg}" if where else msg)


def _keys_at(loc: tuple) -> list[str]:
    """The keys the config accepts at ``loc`` (a pydantic error location without its last part)."""
    model: type[BaseModel] = SiteConfig
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[str(part)].annotation
        # Unwrap list[...] and X | None down to the section's model.
        while not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if not args:
                return []
            annotation = args[0]
        model = annotation
    return [name for name, info in model.model_fields.items() if not info.exclude]


def _unknown_key(key: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    if close:
        return f"unknown key {key!r}; did you mean {close[0]!r}?"
    return f"unknown key {key!r} (valid here: {', '.join(valid)})"


def load_config(path: Path | None = None) -> SiteConfig:
    """Find and load the site config: ``path``, else ``$CCTVKIT_CONFIG``, else ./cctvkit.toml.

    Raises:
        ConfigError: as :meth:`SiteConfig.from_toml`.
    """
    chosen = path or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else None)
    return SiteConfig.from_toml(chosen or Path(DEFAULT_CONFIG_NAME))
