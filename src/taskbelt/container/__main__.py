"""``python -m taskbelt.container``: the container command on its own."""

import sys

from taskbelt.frontends.cli import main

sys.exit(main(["container", *sys.argv[1:]]))
