"""Applications for conditionally-open (有条件开放) data: their states, review and grants.

The domain side only (no Flask): :mod:`states` is the one table of the states an application
goes through and who may move it from one to the next. Time limits of a review are counted in
working days by :mod:`catalog.workdays`.
"""
