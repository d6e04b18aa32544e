"""The security scan's machinery; the ``audit`` check itself is :mod:`taskbelt.checks.audit.check`.

One module per seam, after pip-audit's own ``_dependency_source/``,
``_service/`` and ``_format/``:

- :mod:`.source`: where the dependency set comes from (``uv export`` of the
  lock, or resolved from pyproject.toml) and its layers;
- :mod:`.services`: which advisory service pip-audit asks;
  :mod:`.advisories` and :mod:`.osv_server`: an offline advisory folder,
  indexed and served as the OSV API on loopback;
- :mod:`.memo`: the last report, reused while its inputs are the same;
- :mod:`.verdict`: the report read and judged (ignores, their expiry, fix hints);
- :mod:`.pip_audit` and :mod:`.bandit`: running each tool, failing closed.
"""
