"""The debt ledger: findings a repository knows of, so that ``check`` fails only on new ones."""
