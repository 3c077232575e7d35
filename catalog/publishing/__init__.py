"""Publishing from the portal: what a department's staff do to its catalog.

:mod:`acts` holds the service functions the pages, the CLI and both write APIs call (each
checks :func:`catalog.permissions.can` and writes one audit row); :mod:`content` decides a
file's type from its bytes, never from its name alone.
"""
