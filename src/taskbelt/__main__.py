"""Entry point for ``python -m taskbelt``."""

import sys

from taskbelt.cli import main

sys.exit(main())
