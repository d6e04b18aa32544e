"""The doors into taskbelt: the console script (with its fast answer for an unchanged
repository), the argparse command line, the options both read, Nox's sessions, and the
one boundary between taskbelt's errors and the exit status."""
