"""The `relay` command line: one module per command group, the parser in `main`."""

from relay.cli.main import build_parser, entry, main

__all__ = ["build_parser", "entry", "main"]
