"""Reuses and competitions: what people built on the open data, and the contests that group it.

A signed-in person registers a reuse (an application, analysis, visualization, paper, news
article or competition entry) with the public datasets it uses and, for each, the version
used. It is ``pending`` until an administrator approves it (``approved``: public) or rejects
it with a reason (``rejected``); the owner or an administrator may withdraw an approved one
(``withdrawn``). Approving or withdrawing logs the datasets it uses as changed in the same
transaction (:func:`catalog.watch.note_changed`), so the SPARQL store and the search index
republish them with (or without) their ``dct:isReferencedBy`` link.

A competition (the 2022 广西公共数据开放创新应用大赛 is the model) has rounds and awards;
an entry is a reuse of kind ``competition`` naming the competition, its round and its award.
"""
