"""What taskbelt remembers so an unchanged repository is answered at once: the verdicts
of passing checks under keys of their inputs, the environment variables in those keys,
and the plan of the last full run."""
