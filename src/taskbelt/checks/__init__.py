"""Every check, whole: one module (``formatting``, ``coverage``, ``fix``) or one
package (``lint/``, ``typecheck/``, ``pytest/``, ``audit/``) per check, each declaring
``CHECK``; :mod:`.registry` lists them, :mod:`.interface` says what a check is and
:mod:`.base` what every check receives.
"""
