"""Allow `python -m revlake` as an alias of the `revlake` command."""

from revlake.cli.app import main

main()
