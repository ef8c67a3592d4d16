"""``python -m xstilts`` runs the CLI."""

from xstilts.cli.main import main

main()
