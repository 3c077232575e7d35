"""Desensitization (数据脱敏) and traceable delivery (流通溯源) of conditional data.

The domain side only: :mod:`rules` holds the per-field rules and keyed pseudonyms,
:mod:`detectors` suggests rules from a sample of a column, :mod:`streams` masks CSV, XLSX and
JSON while streaming (never touching the stored original), and :mod:`trace` names the grant
that received a leaked copy from the pseudonyms in it.
"""
