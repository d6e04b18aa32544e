"""One module per tool; each exposes ``run(ctx) -> CheckResult``."""
