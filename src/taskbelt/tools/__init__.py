"""The tools taskbelt runs: their pinned versions, the interpreters found, the virtual
environments made for them, hashed requirement files, and what each tool answered."""
