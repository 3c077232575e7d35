"""Harvesters: gather the catalogs of departments and cities into the portal's catalog.

:mod:`harvesters.base` runs a job (start, fetch, map and write each record, archive what
disappeared, finish); one module per source kind only lists the remote records and maps one
record into a :class:`catalog.drafts.DatasetDraft` (the shape of udata's harvest backends):
:mod:`~harvesters.ckan`, :mod:`~harvesters.dcat`, :mod:`~harvesters.spreadsheet` and
:mod:`~harvesters.datapackage`. Every request goes through :mod:`harvesters.fetch`.
"""
