"""What taskbelt is told: the ``[tool.taskbelt]`` model and its TOML tables, and the
variables and flags of the environment it runs in."""
