"""Entry point for ``python -m taskbelt``."""

import sys

from taskbelt.frontends.entry_point import main

sys.exit(main())
