"""Harvesting in the domain: sources, jobs, per-record outcomes and provenance.

The models live in :mod:`catalog.harvest.models`; service functions (which take a session and
never commit) in :mod:`~catalog.harvest.sources`, :mod:`~catalog.harvest.jobs` and
:mod:`~catalog.harvest.sync`. The harvesters themselves (fetching, listing, mapping one
record) live in the top-level ``harvesters`` package.
"""
