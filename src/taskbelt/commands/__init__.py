"""The commands beside ``check``: ``init``, ``doctor``, the git hook, ``update`` (tool
pins), and ``ci:validate``, which checks a repository's CI files offline."""
