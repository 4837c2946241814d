"""``python -m ecc.data build OUT``: the same as ``ecc data build OUT``."""

from .cli import main

raise SystemExit(main())
