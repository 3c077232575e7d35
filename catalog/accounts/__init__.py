"""People: accounts, their roles in departments, API tokens, sign-in sessions.

The domain side only (no Flask): :mod:`models` holds the tables, :mod:`users` registration,
confirmation, sign-in with lockout, password changes and erasure, :mod:`tokens` API tokens and
one-time links, :mod:`sessions` the server side of a sign-in. What a person may do is decided
in :mod:`catalog.permissions`; every act is written to :mod:`catalog.audit`.
"""
