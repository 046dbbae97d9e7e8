"""``python -m heron.cli``: the ``heron`` command without its console script."""

from heron.cli.main import main

main()
