"""``python -m portal …``: the ``gxdata`` command without its console script."""

from portal.cli import main

main()
