"""The environments a check runs in: the project installed with its locked dependencies,
the test tools added where the project has none, the Python matrix, and the build
by-products and failures of an editable install."""
