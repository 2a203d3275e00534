"""The `lms` command: Flask's CLI (run, shell, routes) plus the project's own commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup

from lms.content import ContentLoader, ContentRootError, default_content_root
from lms.content.problems import SourceLines, count_by_severity


def _create_app():
    # Imported here so `lms check` starts without building the web app.
    from lms.app import create_app

    return create_app(for_commands=True)


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Marketplace agent and broker registration and training."""


@main.command("check", with_appcontext=False)
@click.argument("content_root", required=False, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1 on any warning).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json prints a list of {path, line, column, severity, code, message}.")
@click.option("--no-source", is_flag=True, help="Text format: do not print the offending line under each problem.")
def check_command(content_root: Path | None, strict: bool, output_format: str, no_source: bool) -> None:
    """Validate every course, module, agreement and exam under CONTENT_ROOT.

    CONTENT_ROOT holds courses/ and quizzes/ (default: LMS_CONTENT_ROOT, else the current
    folder when it has courses/, else the shipped content). Exit 0 when clean, 1 on any error
    (or any warning with --strict), 2 when the root cannot be used.
    """
    root = content_root or default_content_root()
    try:
        catalog = ContentLoader(root).load()
    except ContentRootError as exc:
        click.echo(f"lms check: {exc}", err=True)
        sys.exit(2)
    problems = catalog.problems
    if output_format == "json":
        click.echo(json.dumps([problem.as_dict() for problem in problems], indent=2))
    else:
        lines = SourceLines(Path(root))
        for problem in problems:
            click.echo(problem.format())
            if not no_source:
                for line in lines.excerpt(problem):
                    click.echo(line)
    errors, warnings = count_by_severity(problems)
    summary = (f"{catalog.file_count} files checked: {errors} error{'s' * (errors != 1)}, "
               f"{warnings} warning{'s' * (warnings != 1)}")
    click.echo(summary, err=True)
    sys.exit(1 if errors or (strict and warnings) else 0)

