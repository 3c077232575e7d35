"""Reuses and competitions on the web: the pages, the administration queue and the commands."""
