"""Scripts run with a tool environment's Python (``python -I path/to/script.py``).

They import the tool, never taskbelt, which is not installed where they run.
"""

from pathlib import Path

#: This folder: where a check finds the script it runs (``FOLDER / "pytest_main.py"``).
FOLDER = Path(__file__).parent
