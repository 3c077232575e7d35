"""Quarterly statistics (按季度统计公布): a registry of measures, each computed per department
for one quarter by a provider; the hit counters (downloads, API calls, page views) that some
providers read; and the frozen snapshot of each quarter once it has ended.

- :mod:`.quarters`: a quarter and its bounds (Beijing calendar days, stored as naive UTC).
- :mod:`.measures`: :class:`~.measures.Measure` and the registry; a measure without a provider
  is declared but "not measured yet".
- :mod:`.providers`: the providers the catalog can compute itself.
- :mod:`.counters`: the in-memory hit counter and its batched flush into ``stats_counter``.
- :mod:`.quarterly`: the figures of a quarter (live, or frozen in ``stats_snapshot``).
"""
