"""``python -m taskbelt.container``: the container command on its own."""

import sys

from taskbelt.container.cli import main

sys.exit(main())
