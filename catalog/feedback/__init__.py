"""The data-quality loop (问题发现、上报、排查、纠错、反馈、确认): problems reported on a dataset or
a file, answered by its department within a working-day limit, confirmed by the reporter.

- :mod:`.models`: the report and its transitions;
- :mod:`.states`: the one table of allowed moves;
- :mod:`.acts`: what reporters, departments and the portal do, checked and recorded;
- :mod:`.queries`: trackers, the workbench, overdue flags;
- :mod:`.figures`: per-department counts for the statistics and the quality index.
"""
