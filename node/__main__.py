"""`python -m node` runs the command line."""

from node.cli import main

raise SystemExit(main())
