"""The DCAT-AP 3 profile of the portal: one field table, read by both directions.

``profile`` holds the table (attribute ↔ predicate ↔ kind). ``parse`` reads a graph into
:class:`catalog.drafts.DatasetDraft` objects with it (``dataset_draft``, ``read_catalog``),
``documents`` reads RDF documents (syntax, local JSON-LD contexts, Hydra paging); the
exporters write datasets as DCAT-AP with it. A field added to the table is both published and
harvested.
"""
