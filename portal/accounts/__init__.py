"""Accounts in the browser and on the command line: pages, forms, mail, rate limits, commands."""
