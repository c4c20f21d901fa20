"""``python -m k2020graph``: the same command line as the ``k2020graph`` script."""

from .cli import main

raise SystemExit(main())
