"""Serializers of the catalog: one module per output dialect (CKAN's action API, DCAT, …).

Modules here take model objects and a small context (base URL, URL builder, language) and
return plain data; they import ``catalog`` and ``vocab`` but never Flask.
"""
