"""Allow ``python -m hairkg``."""

from hairkg.cli import main

raise SystemExit(main())
