"""What a repository declares, read where its own tools look (pyproject, tox, nox,
pre-commit, setup.cfg, its command files), and what taskbelt chooses to run for it:
which tools, at which versions, with which arguments, over which files."""
