"""``python -m shendu``: the ``shendu`` command line (see shendu/cli.py)."""

from .cli import main

raise SystemExit(main())
