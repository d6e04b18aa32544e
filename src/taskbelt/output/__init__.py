"""What taskbelt says: the log and console, secrets masked, words, and the reports."""
