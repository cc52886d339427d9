"""PDF from Typst source, under both renderers, with the compiler of the ``typst`` package (a Python binding that
ships the Typst compiler; no LaTeX).

The builtin renderer calls :func:`compile_pdf` on pandoc's Typst output. Quarto's ``typst`` format calls a Typst
command line, named by ``QUARTO_TYPST`` (quarto-cli, ``src/core/typst.ts``): :func:`quarto_typst` points it at
this module's :func:`main`, which answers the three calls Quarto makes (``--version``, ``fonts``, ``compile``).
So both renderers use the same pinned compiler, and the PDF is reproducible: its creation date is
``SOURCE_DATE_EPOCH`` (else 1970-01-01) and only the compiler's embedded fonts and the given font folders are used,
never the machine's (Typst CLI ``--creation-timestamp`` and ``--ignore-system-fonts``).

Typst reads files under its root folder only, and resolves a relative path within it lexically. The report's
figures are reached from the document's folder through ``..`` (``../../../results/figures/...`` from a scratch copy
in ``results/report/``), so the root is the file system's root, whatever Quarto asks for: every image of the
document was checked by ``resource_guard.lua`` before pandoc wrote the Typst source, which names no other file.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

import typst

from qolreview.report.render.errors import RenderError
from qolreview.report.render.resources import source_date_epoch

log = logging.getLogger(__name__)


def compile_pdf(
    source: Path,
    output: Path,
    *,
    font_paths: Sequence[str] = (),
    package_path: str | None = None,
    package_cache_path: str | None = None,
    pdf_standards: Sequence[str] = (),
) -> None:
    """Compile the Typst file ``source`` to the PDF ``output``."""
    try:
        _, warnings = typst.compile_with_warnings(
            str(source),
            output=str(output),
            root=source.resolve().anchor,
            font_paths=list(font_paths),
            ignore_system_fonts=True,
            timestamp=source_date_epoch(),
            package_path=package_path,
            package_cache_path=package_cache_path,
            pdf_standards=list(pdf_standards),
        )
    except typst.TypstError as error:
        raise RenderError(f"typst could not compile {source.name}: {error.message}\n{error.diagnostic}") from error
    for warning in warnings:
        log.warning("typst: %s", warning.message)


def quarto_typst(directory: Path) -> dict[str, str]:
    """The environment variable that makes Quarto compile Typst with :func:`main` (an executable written to
    ``directory``)."""
    script = directory / "typst"
    call = "from qolreview.report.render.typst_pdf import main; raise SystemExit(main())"
    script.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -c {shlex.quote(call)} "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return {"QUARTO_TYPST": str(script)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="typst", description="The Typst command-line calls Quarto makes.")
    parser.add_argument("--version", action="store_true")
    commands = parser.add_subparsers(dest="command")
    fonts = commands.add_parser("fonts")
    fonts.add_argument("--font-path", action="append", default=[])
    build = commands.add_parser("compile")
    build.add_argument("--root", help="ignored: the root is the file system's")
    build.add_argument("--package-path")
    build.add_argument("--package-cache-path")
    build.add_argument("--pdf-standard", default="")
    build.add_argument("--font-path", action="append", default=[])
    build.add_argument("input")
    build.add_argument("output")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``typst --version``, ``typst fonts`` and ``typst compile`` as Quarto calls them; warnings and errors go to
    standard error, where the renderer reads them."""
    logging.basicConfig(format="WARNING %(message)s", level=logging.WARNING)
    args = _parser().parse_args(argv)
    if args.version:
        print(f"typst {version('typst')}")
    elif args.command == "fonts":
        print("\n".join(typst.Fonts(include_system_fonts=False, font_paths=args.font_path).families()))
    elif args.command == "compile":
        try:
            compile_pdf(
                Path(args.input),
                Path(args.output),
                font_paths=args.font_path,
                package_path=args.package_path,
                package_cache_path=args.package_cache_path,
                pdf_standards=[name for name in args.pdf_standard.split(",") if name],
            )
        except RenderError as error:
            print(error, file=sys.stderr)
            return 1
    return 0
