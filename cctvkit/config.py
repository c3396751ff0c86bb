"""Site configuration (TOML): site, archive roots, catalog, cameras, retention and privacy zones."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cctvkit.errors import ConfigError, one_line

__all__ = [
    "MAX_RETENTION_DAYS",
    "CameraConfig",
    "JobsSection",
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

    @model_validator(mode="after")
    def _check_backend(self) -> JobsSection:
        if self.backend == "celery" and not self.broker_url:
            raise ValueError("backend celery needs broker_url (e.g. redis://localhost:6379/0)")
        return self


class SiteConfig(_Model):
    """The whole configuration file, with paths resolved against the file's directory."""

    site: SiteSection
    cameras: list[CameraConfig] = Field(min_length=1)
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
        try:
            return cls.model_validate({**raw, "source": path.resolve()})
        except ValidationError as exc:
            raise ConfigError(f"{path}: {_first_error(exc, raw)}") from exc


def check_unique_camera_ids(config: SiteConfig) -> None:
    seen: set[str] = set()
    for camera in config.cameras:
        if camera.id in seen:
            raise ValueError(f"camera id {camera.id!r} is defined twice")
        seen.add(camera.id)


def check_distinct_directories(config: SiteConfig) -> None:
    seen: dict[str, str] = {}
    for camera in config.cameras:
        other = seen.setdefault(camera.dir_name, camera.id)
        if other != camera.id:
            raise ValueError(f"cameras {other!r} and {camera.id!r} share directory {camera.dir_name!r}")


def check_roots_exist(config: SiteConfig) -> None:
    for root in config.site.archive_roots:
        if not Path(root).is_dir():
            raise ValueError(f"archive root does not exist or is not a directory: {root}")


def _first_error(exc: ValidationError, raw: dict) -> str:
    """One line for the first problem, naming cameras by id rather than by list index."""
    err = exc.errors()[0]
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
    return one_line(f"{where}: {msg}" if where else msg)


def load_config(path: Path | None = None) -> SiteConfig:
    """Find and load the site config: ``path``, else ``$CCTVKIT_CONFIG``, else ./cctvkit.toml.

    Raises:
        ConfigError: as :meth:`SiteConfig.from_toml`.
    """
    chosen = path or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else None)
    return SiteConfig.from_toml(chosen or Path(DEFAULT_CONFIG_NAME))
