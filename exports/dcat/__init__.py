"""The DCAT-AP 3 profile of the portal: one field table, read by both directions.

``profile`` holds the table (attribute ↔ predicate ↔ kind). The harvesters parse a graph
into :class:`catalog.drafts.DatasetDraft` objects with it; the exporters write datasets as
DCAT-AP with it. A field added to the table is both published and harvested.
"""
