"""The sandbox's pages: the holder's page (tables, queries, exports) and the reviewer's queue
of exports (:mod:`portal.sandbox.views`)."""
