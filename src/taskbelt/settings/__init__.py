"""What taskbelt is told: the ``[tool.taskbelt]`` model (the container's table and its
digest-pinned base references included) and its TOML tables, and the variables and flags
of the environment it runs in."""
