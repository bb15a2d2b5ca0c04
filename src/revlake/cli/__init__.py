"""The `revlake` command line: thin wrappers that parse, call a library function, print."""
