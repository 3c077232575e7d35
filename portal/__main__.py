"""``python -m portal`` runs the ``gxdata`` command (the same Flask CLI group)."""

from portal.cli import main

main()
