"""`python -m revlake.cli`: the same as the `revlake` command."""

from revlake.cli.app import main

main()
