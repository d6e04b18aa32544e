"""What taskbelt keeps in a repository: its state folder and run lock, and the keyed store
of what it remembers between runs."""
