"""Entry point for ``python -m taskbelt``."""

import sys

from taskbelt.fast import main

sys.exit(main())
