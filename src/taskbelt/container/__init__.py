"""Reproducible OCI images of the app, built from uv.lock (`mise run container`).

Modules: ``settings`` (the ``[tool.taskbelt.container]`` model), ``reference``
(pinned base references), ``layers`` (deterministic tar+gzip), ``oci``
(layouts, canonical JSON), ``base`` (the base image), ``deps`` (uv installs for
the target platform), ``build`` (the pipeline), ``engines`` (the Containerfile
backend), ``verify`` (build twice and compare) and ``cli``.
"""
