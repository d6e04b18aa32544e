"""The ``test`` check, whole: pytest with coverage on each Python of the matrix.

- :mod:`.check`: the session of one Python (command line, environment, verdict);
- :mod:`.coverage_early`: coverage started before pytest imports anything;
- :mod:`.outcome`: what the pytest run did, read from its JUnit file or output.

The ``coverage`` check (:mod:`taskbelt.checks.coverage`) combines what these leave.
"""
