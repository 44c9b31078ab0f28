"""`python -m signoff`: the same as the `signoff` command."""

from signoff.trust.cli.main import main

main()
