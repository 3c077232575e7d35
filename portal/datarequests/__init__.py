"""Data requests (数据需求): the pages, forms, messages and mails."""
