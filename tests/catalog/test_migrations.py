"""Versioned migrations: a new catalog gets every step once; an older one is upgraded in place."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select

from cctvkit.catalog import open_catalog
from cctvkit.catalog.migrations import MIGRATIONS, migrate
from cctvkit.catalog.schema import metadata, schema_version
from cctvkit.errors import ConfigError


def test_new_catalog_is_at_the_newest_version(tmp_path: Path) -> None:
    catalog = open_catalog(f"sqlite:///{tmp_path / 'c.db'}")
    with catalog.read() as conn:
        versions = list(conn.execute(select(schema_version.c.version)).scalars())
    assert versions == [m.version for m in MIGRATIONS]
    open_catalog(f"sqlite:///{tmp_path / 'c.db'}")  # reopening applies nothing twice
    with catalog.read() as conn:
        assert list(conn.execute(select(schema_version.c.version)).scalars()) == versions


def test_version_one_catalog_is_upgraded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        schema_version.create(conn)
        MIGRATIONS[0].upgrade(conn)
        # A catalog made before migration 3 lacks the planning index: drop it to simulate one.
        conn.exec_driver_sql("DROP INDEX ix_recordings_camera_state_start")
        conn.execute(
            schema_version.insert().values(version=1, description="v1", applied_at=datetime.now(UTC))
        )
    engine.dispose()
    open_catalog(url)
    engine = create_engine(url)
    names = {ix["name"] for ix in inspect(engine).get_indexes("recordings")}
    assert "ix_recordings_camera_state_start" in names
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())


def test_newer_catalog_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    open_catalog(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            schema_version.insert().values(version=999, description="future", applied_at=datetime.now(UTC))
        )
        with pytest.raises(ConfigError, match="newer than this cctvkit supports"):
            migrate(conn)


def test_version_three_catalog_gains_the_note_column(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v3.db'}"
    open_catalog(url).dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        # A catalog made before migration 4: no recordings.note, no version 4.
        conn.exec_driver_sql("ALTER TABLE recordings DROP COLUMN note")
        conn.exec_driver_sql("DELETE FROM schema_version WHERE version = 4")
    engine.dispose()
    catalog = open_catalog(url)
    with catalog.read() as conn:
        assert 4 in set(conn.execute(select(schema_version.c.version)).scalars())
    engine = create_engine(url)
    assert "note" in {c["name"] for c in inspect(engine).get_columns("recordings")}


def test_release_clips_gain_the_face_check_columns(tmp_path: Path) -> None:
    # The columns keep their first names in the database (audit_*); the code reads them by key.
    url = f"sqlite:///{tmp_path / 'v3.db'}"
    open_catalog(url).dispose()
    engine = create_engine(url)
    with engine.begin() as conn:  # a catalog made before migration 9
        conn.exec_driver_sql("ALTER TABLE release_clips DROP COLUMN audit_remaining")
        conn.exec_driver_sql("ALTER TABLE release_clips DROP COLUMN audit_accepted")
        conn.exec_driver_sql("DELETE FROM schema_version WHERE version = 9")
    engine.dispose()
    open_catalog(url).dispose()
    engine = create_engine(url)
    columns = {c["name"] for c in inspect(engine).get_columns("release_clips")}
    assert {"audit_remaining", "audit_accepted"} <= columns
    engine.dispose()


def test_release_clips_gain_the_kind_column(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v9.db'}"
    open_catalog(url).dispose()
    engine = create_engine(url)
    with engine.begin() as conn:  # a catalog made before migration 10 (issue 18: released stills)
        conn.exec_driver_sql("ALTER TABLE release_clips DROP COLUMN kind")
        conn.exec_driver_sql("DELETE FROM schema_version WHERE version = 10")
    engine.dispose()
    catalog = open_catalog(url)
    with catalog.read() as conn:
        assert 10 in set(conn.execute(select(schema_version.c.version)).scalars())
    catalog.dispose()
    engine = create_engine(url)
    assert "kind" in {c["name"] for c in inspect(engine).get_columns("release_clips")}
    engine.dispose()


def test_release_clips_gain_the_requester_only_columns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v12.db'}"
    open_catalog(url).dispose()
    engine = create_engine(url)
    with engine.begin() as conn:  # a catalog made before migration 13 (issue 26: requester-only)
        conn.exec_driver_sql("ALTER TABLE release_clips DROP COLUMN mode")
        conn.exec_driver_sql("ALTER TABLE release_clips DROP COLUMN region_frames")
        conn.exec_driver_sql("DELETE FROM schema_version WHERE version = 13")
    engine.dispose()
    open_catalog(url).dispose()
    engine = create_engine(url)
    assert {"mode", "region_frames"} <= {c["name"] for c in inspect(engine).get_columns("release_clips")}
    engine.dispose()


def test_review_masks_gain_the_kind_column(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v13.db'}"
    open_catalog(url).dispose()
    engine = create_engine(url)
    with engine.begin() as conn:  # a catalog made before migration 14 (issue 26: drawn requester regions)
        conn.exec_driver_sql("ALTER TABLE review_masks DROP COLUMN kind")
        conn.exec_driver_sql("DELETE FROM schema_version WHERE version = 14")
    engine.dispose()
    open_catalog(url).dispose()
    engine = create_engine(url)
    assert "kind" in {c["name"] for c in inspect(engine).get_columns("review_masks")}
    engine.dispose()


def test_review_decisions_on_findings_and_text_lines_gain_their_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v14.db'}"
    open_catalog(url).dispose()
    engine = create_engine(url)
    with engine.begin() as conn:  # a catalog made before migration 15 (issues 25 and 29)
        conn.exec_driver_sql("DROP TABLE review_findings")
        conn.exec_driver_sql("DROP TABLE review_text_lines")
        conn.exec_driver_sql("DELETE FROM schema_version WHERE version = 15")
    engine.dispose()
    open_catalog(url).dispose()
    engine = create_engine(url)
    assert {"review_findings", "review_text_lines"} <= set(inspect(engine).get_table_names())
    engine.dispose()
