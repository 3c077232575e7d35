"""Validate, enrich, measure: data quality of the catalog.

- :mod:`catalog.quality.validation` checks every stored or harvested table as a Frictionless
  resource and keeps a report per distribution;
- :mod:`catalog.quality.enrichment` fills in metadata it can infer, recording what it inferred
  and from what, and derives machine-readable copies of tables;
- :mod:`catalog.quality.ratios`, :mod:`catalog.quality.mqa` and :mod:`catalog.quality.dqi`
  measure openness ratios, the metadata quality score and the data quality index;
- :mod:`catalog.quality.jobs` is the background queue every slow step goes through, so no web
  request ever validates a file or checks a link.
"""
