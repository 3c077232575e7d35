"""Controlled vocabularies and RDF namespaces of the Guangxi public data portal.

Each vocabulary is a SKOS Turtle file in ``vocab/data`` with one small typed module
(``categories``, ``open_types``, ``share_types``, ``sensitivity``, ``frequencies``,
``delivery_channels``, ``formats``, ``divisions``, ``topics``); ``skos`` loads them and
``namespaces`` holds every RDF namespace the project uses. This package imports nothing
else of the project. See ``vocab/README.md``.
"""
