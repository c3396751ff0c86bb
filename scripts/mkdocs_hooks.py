"""MkDocs hooks (mkdocs.yml ``hooks:``): the reference pages are generated from the code at build time.

- ``<!-- generated: config-reference -->`` becomes one table per ``cctvkit.toml`` section, from the
  pydantic models' field descriptions in ``cctvkit/config.py``;
- ``<!-- generated: cli-reference -->`` becomes every command's ``--help``, from the typer app;
- ``<!-- generated: exit-codes -->`` becomes the README's exit-code table (written once, there);
- ``benchmarks/README.md`` (where the figures live) joins the site as ``benchmarks.md``, and links
  between it and ``docs/`` are written as they resolve on disk, so both read right on GitHub too.

Nothing is downloaded and nothing generated is committed: ``make test`` builds the site into
``build/site`` with ``--strict``.
"""

from __future__ import annotations

import re
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = REPO / "benchmarks" / "README.md"
WIDTH = 100
"""Columns the generated ``--help`` is wrapped to."""


# --- hooks ---


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    files.append(File.generated(config, "benchmarks.md", content=BENCHMARKS.read_text(encoding="utf-8")))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    src = page.file.src_uri
    if src == "benchmarks.md":
        return markdown.replace("](../docs/", "](")
    depth = src.count("/")
    markdown = markdown.replace("../" * (depth + 1) + "benchmarks/README.md", "../" * depth + "benchmarks.md")
    generators = {
        "config-reference": config_reference,
        "cli-reference": cli_reference,
        "exit-codes": exit_codes,
    }
    for name, make in generators.items():
        marker = f"<!-- generated: {name} -->"
        if marker in markdown:
            markdown = markdown.replace(marker, make())
    return markdown


# --- the README's exit codes ---


def exit_codes() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"^## Exit codes\n(.*?)(?=^## )", readme, re.MULTILINE | re.DOTALL)
    if found is None:
        raise RuntimeError("README.md has no '## Exit codes' section")
    return found.group(1).strip() + "\n"


# --- cctvkit.toml ---


def config_reference() -> str:
    from pydantic import BaseModel

    from cctvkit.config import SiteConfig

    out: list[str] = []

    def section(title: str, model: type[BaseModel], about: str | None) -> None:
        doc = (model.__doc__ or "").strip().split("\n\n")[0]
        out.extend([f"### `{title}`", "", " ".join((about or doc).split()), ""])
        out.extend(["| key | type | default | description |", "|---|---|---|---|"])
        nested: list[tuple[str, type[BaseModel], str | None]] = []
        for name, field in model.model_fields.items():
            if field.exclude:
                continue
            inner = _model_of(field.annotation)
            if inner is not None:
                nested.append((f"{title.strip('[]')}.{name}", inner, field.description))
                continue
            out.append(
                f"| `{name}` | {_cell(_type_text(field.annotation))} | {_cell(_default_text(field))} "
                f"| {_cell(_describe(field))} |"
            )
        out.append("")
        for sub_title, sub_model, sub_about in nested:
            section(f"[{sub_title}]", sub_model, sub_about)

    for name, field in SiteConfig.model_fields.items():
        if field.exclude:
            continue
        model = _model_of(field.annotation)
        assert model is not None, name
        listed = typing.get_origin(_unwrap(field.annotation)) is list
        section(f"[[{name}]]" if listed else f"[{name}]", model, field.description)
    return "\n".join(out)


def _unwrap(annotation: Any) -> Any:
    """``X | None`` and ``Annotated[X, ...]`` down to ``X``."""
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _model_of(annotation: Any) -> Any:
    """The section model a field holds (itself, in a list, or optional), else None."""
    from pydantic import BaseModel

    inner = _unwrap(annotation)
    if typing.get_origin(inner) is list:
        inner = _unwrap(typing.get_args(inner)[0])
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean", Path: "path"}


def _type_text(annotation: Any) -> str:
    if typing.get_origin(annotation) is typing.Annotated:
        return _type_text(typing.get_args(annotation)[0])
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return " or ".join(_type_text(a) for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is list:
        return f"list of {_type_text(typing.get_args(annotation)[0])}"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of " + ", ".join(f'"{m.value}"' for m in annotation)
    return _NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _default_text(field: Any) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Enum):
        return f'"{value.value}"'
    if isinstance(value, str | Path):
        return f'"{value}"'
    return str(value)


def _describe(field: Any) -> str:
    limits = []
    for item in field.metadata:
        for attr, text in (("ge", ">= {}"), ("gt", "> {}"), ("le", "<= {}"), ("lt", "< {}")):
            if getattr(item, attr, None) is not None:
                limits.append(text.format(getattr(item, attr)))
        if getattr(item, "min_length", None):
            what = "character" if _unwrap(field.annotation) is str else "item"
            limits.append(f"at least {item.min_length} {what}{'s' if item.min_length > 1 else ''}")
        if getattr(item, "pattern", None):
            limits.append(f"matches `{item.pattern}`")
    text = " ".join((field.description or "").split())
    return f"{text} ({', '.join(limits)})" if limits else text


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


# --- the CLI ---


def cli_reference() -> str:
    import typer

    from cctvkit.cli.main import app

    root = typer.main.get_command(app)
    out: list[str] = []

    def walk(command: Any, parent: Any, name: str, level: int) -> None:
        settings = {**command.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
        ctx = typer.Context(command, info_name=name, parent=parent, **settings)
        path = ctx.command_path
        out.extend([f"{'#' * level} `{path}`", "", "```text", command.get_help(ctx).rstrip(), "```", ""])
        for sub_name in getattr(command, "list_commands", lambda _ctx: [])(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                walk(sub, ctx, sub_name, min(level + 1, 4))

    walk(root, None, "cctvkit", 3)
    return "\n".join(out)
