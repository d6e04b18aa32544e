"""The ``lint`` check (:mod:`.check`: ruff, under the repository's own settings),
and what it reads of a flake8 configuration (:mod:`.flake8_rules`).
"""
