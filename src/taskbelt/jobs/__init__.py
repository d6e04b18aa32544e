"""Scripts run with a tool environment's Python (``python -I path/to/script.py``).

They import the tool, never taskbelt, which is not installed where they run.
"""
