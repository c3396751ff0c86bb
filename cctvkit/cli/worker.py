"""`cctvkit worker`: run a Celery worker for the site's chunked redaction jobs."""

from __future__ import annotations

from typing import Annotated

import typer

from cctvkit.cli.context import state
from cctvkit.errors import ConfigError

__all__ = ["worker"]


def worker(
    ctx: typer.Context,
    *,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="Chunks this worker runs at once (processes).")
    ] = 1,
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="Worker name [default: cctvkit@HOST].")
    ] = None,
    loglevel: Annotated[str, typer.Option("--loglevel", help="Celery's log level.")] = "INFO",
) -> None:
    """Take chunk jobs from the broker in [jobs] broker_url until stopped (SIGTERM: finish the chunk)."""
    config = state(ctx).config
    if config.jobs.backend != "celery":
        raise ConfigError(
            f"{config.source}: [jobs] backend is {config.jobs.backend!r}; a worker needs celery"
        )
    import socket

    from cctvkit.jobs.celery_app import make_app

    app = make_app(config.jobs)
    app.worker_main(
        [
            "worker",
            f"--loglevel={loglevel}",
            f"--concurrency={concurrency}",
            f"--queues={config.jobs.queue}",
            f"--hostname={name or 'cctvkit@' + socket.gethostname()}",
            "--without-gossip",
            "--without-mingle",
        ]
    )
