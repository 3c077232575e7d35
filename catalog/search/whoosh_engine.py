"""The whoosh search engine: a file index with jieba segmentation (rjieba) and numpy-side querying.

whoosh stores the documents (segments, postings, columns) and guards writes with its file lock.
Queries run on arrays (:mod:`catalog.search.whoosh_view`): text terms are matched and scored
with BM25F, facet filters and counts are numpy masks and ``bincount`` over the whole match set,
and only the page's documents are read back from whoosh for ids and highlights.

One engine object serves a whole app: searches share the open segments under a lock, writes
take a second lock plus whoosh's index lock (waiting up to ``write_timeout`` seconds for a
writer in another process), and every search first checks for a newer index generation (a
commit by this engine or by another process) and opens its new segments.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import numpy as np
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex, LockError
from whoosh.writing import CLEAR, SegmentWriter

from catalog.search.base import (
    FACET_FIELDS,
    SearchDocument,
    SearchHit,
    SearchIndexBusy,
    SearchIndexUnavailable,
    SearchQuery,
    SearchResult,
    first_notice,
)
from catalog.search.bm25 import pseudo_frequency, term_score
from catalog.search.chinese import query_terms
from catalog.search.facet_table import FacetVocabulary
from catalog.search.highlight import SNIPPET_CHARS, highlight
from catalog.search.posting_cache import PostingCache
from catalog.search.query_plan import QueryPlan, plan_query
from catalog.search.query_text import Alternative, TextQuery
from catalog.search.whoosh_schema import INDEX_NAME, build_schema, document_fields
from catalog.search.whoosh_view import CatalogView, SegmentCache, build_view

DEFAULT_WRITE_TIMEOUT = 10.0  # seconds to wait for another writer's lock
DEFAULT_CACHED_POSTINGS = 2_000_000  # about 24 MB of posting arrays
# The writer's in-memory posting pool: large for a rebuild (speed); small for the commits that
# follow the database (a harvest's batch of 1000 datasets, whose character n-gram postings
# alone fill about 30 MB of pool; beyond the limit whoosh sorts them in runs on disk), and
# whose merges of earlier segments would otherwise briefly hold them all.
REBUILD_MEMORY_MB = 256
UPDATE_MEMORY_MB = 8
READ_ATTEMPTS = 3
POSITION_FILE = "gxdata-position.json"  # how far the index follows the change log
FOLLOW_LOCK = "GXDATA_FOLLOW"  # held by the process that applies the change log


def _latest_by_id(docs: Iterable[SearchDocument]) -> dict[str, SearchDocument]:
    """One document per id, the last given winning (whoosh cannot replace uncommitted ones)."""
    latest: dict[str, SearchDocument] = {}
    for doc in docs:
        latest.pop(doc.id, None)
        latest[doc.id] = doc
    return latest


# The n-gram score's weight beside the words' (BM25F over the n-gram field) in the order of
# the substring-only matches; every dataset matching all the words of the query ranks above
# every dataset that matches substrings only.
GRAM_WEIGHT = 0.25


class _TextMatch:
    """Which documents of a view match the text, with their BM25F scores.

    A piece of text matches by its words or by the character n-grams of its runs (every
    substring typed). The query's words may be fewer than what was typed (a lone character
    beside words is dropped: 2021年 asks for 2021), so ``word_matched`` (``tier`` 1, ranked
    first) needs both: the words and the n-grams of every group. ``scores`` are the words'
    until :meth:`add_gram_scores` adds the n-grams' (needed only when the page reaches past
    the whole-word matches).
    """

    def __init__(self, view: CatalogView, text: TextQuery) -> None:
        self.view = view
        self.text = text
        self._frequencies: dict[tuple[str, str], np.ndarray] = {}
        self._present: dict[str, np.ndarray] = {}
        self._gram_scores_added = False
        self.matched = view.live.copy()
        self.word_matched = view.live.copy()
        for group in text.groups:
            by_words = self._any_alternative(group, words=True)
            by_grams = self._any_alternative(group, words=False)
            self.word_matched &= by_words & by_grams
            self.matched &= by_words | by_grams
        for alternative in text.excluded:
            excluded = self._all_terms(alternative, words=bool(alternative.words))
            self.matched &= ~excluded
            self.word_matched &= ~excluded
        self.scores = np.zeros(view.size, dtype=np.float32)
        self._add_scores("word", text.terms, 1.0)
        self.tier = self.word_matched.astype(np.int8)

    def add_gram_scores(self) -> None:
        """Score the substring-only matches by their n-grams too (the whole-word matches keep
        their words' scores, so that pages agree on their order whichever pages ask)."""
        if not self._gram_scores_added:
            self._gram_scores_added = True
            weight = np.where(self.word_matched, 0.0, GRAM_WEIGHT).astype(np.float32)
            self._add_scores("gram", self.text.grams, weight)

    def _add_scores(self, kind: str, terms: tuple[str, ...], weight: float | np.ndarray) -> None:
        for term in terms:
            frequency = self._frequency(kind, term)
            document_frequency = int(np.count_nonzero((frequency > 0) & self.view.live))
            score = term_score(frequency, self.view.live_count, document_frequency)
            self.scores += weight * score

    def _has_gram(self, gram: str) -> np.ndarray:
        if gram not in self._present:
            found = np.zeros(self.view.size, dtype=bool)
            for name in self.view.gram_stats:
                found[self.view.term_postings(name, gram).docnums] = True
            self._present[gram] = found
        return self._present[gram]

    def _frequency(self, kind: str, term: str) -> np.ndarray:
        key = (kind, term)
        if key not in self._frequencies:
            stats = self.view.field_stats if kind == "word" else self.view.gram_stats
            postings = (
                (self.view.term_postings(name, term), field_stats)
                for name, field_stats in stats.items()
            )
            self._frequencies[key] = pseudo_frequency(postings, self.view.size)
        return self._frequencies[key]

    def _all_terms(self, alternative: Alternative, words: bool) -> np.ndarray:
        terms = alternative.words if words else alternative.grams
        found = np.full(self.view.size, bool(terms))  # no words: no whole-word match
        for term in terms:
            found &= self._frequency("word", term) > 0 if words else self._has_gram(term)
        return found

    def _any_alternative(self, group: tuple[Alternative, ...], words: bool) -> np.ndarray:
        found = np.zeros(self.view.size, dtype=bool)
        for alternative in group:
            found |= self._all_terms(alternative, words)
        return found


def _top_by_score(
    docnums: np.ndarray, scores: np.ndarray, count: int, tiers: np.ndarray | None = None
) -> np.ndarray:
    """The ``count`` best of ``docnums`` by tier then score, ties by document number (stable
    paging)."""
    if tiers is None:
        tiers = np.zeros(len(docnums), dtype=np.int8)
    if count < len(docnums):
        best_tier = tiers.max()
        if np.count_nonzero(tiers == best_tier) >= count:  # the page lies in the best tier
            keep = tiers == best_tier
            docnums, scores, tiers = docnums[keep], scores[keep], tiers[keep]
        if count < len(docnums):
            rank = scores + tiers.astype(np.float64) * (float(scores.max()) + 1.0)
            threshold = np.partition(rank, len(rank) - count)[len(rank) - count]
            keep = rank >= threshold
            docnums, scores, tiers = docnums[keep], scores[keep], tiers[keep]
    order = np.lexsort((docnums, -scores, -tiers))
    return docnums[order[:count]]


class WhooshEngine:
    """A :class:`catalog.search.base.SearchEngine` on a whoosh index directory."""

    def __init__(
        self,
        index: FileIndex,
        write_timeout: float = DEFAULT_WRITE_TIMEOUT,
        cached_postings: int = DEFAULT_CACHED_POSTINGS,
    ) -> None:
        self._index = index
        self._write_timeout = write_timeout
        self._read_lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._view: CatalogView | None = None
        self._segments = SegmentCache({name: FacetVocabulary() for name in FACET_FIELDS})
        self._postings = PostingCache(cached_postings)
        self._rebuilding = False  # the index vanished and is being rebuilt

    # -- writing ---------------------------------------------------------------------------

    @contextmanager
    def _writer(self, clear: bool = False) -> Iterator[SegmentWriter]:
        with self._write_lock:
            try:
                writer = self._unmapped_index().writer(
                    timeout=self._write_timeout,
                    limitmb=REBUILD_MEMORY_MB if clear else UPDATE_MEMORY_MB,
                )
            except LockError as error:
                raise SearchIndexBusy(
                    f"the search index is locked by another writer ({self._write_timeout}s)"
                ) from error
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=CLEAR if clear else None)

    def _unmapped_index(self) -> FileIndex:
        """The index opened without memory maps, for writing.

        A writer opens every segment (to delete replaced documents, to merge small segments).
        Through a memory map whoosh copies each segment's files whole into memory, and the map
        outlives the writer until the garbage collector finds the reader's reference cycles:
        the segments' pages would pile up in the process's memory at every commit. Read
        through the file, a writer reads only what it needs, and frees it when it closes."""
        storage = FileStorage(self.folder, supports_mmap=False)
        return FileIndex(storage, self._index.schema, indexname=INDEX_NAME)

    def add(self, docs: Iterable[SearchDocument]) -> None:
        """Add or replace documents (by id), in one commit."""
        latest = _latest_by_id(docs)
        if not latest:
            return
        with self._writer() as writer:
            searcher = writer.searcher()
            for doc_id in latest:
                writer.delete_by_term("id", doc_id, searcher=searcher)
            for doc in latest.values():
                writer.add_document(**document_fields(doc))

    def remove(self, ids: Iterable[str]) -> None:
        """Delete documents by id; unknown ids are ignored."""
        unique = list(dict.fromkeys(ids))
        if not unique:
            return
        with self._writer() as writer:
            searcher = writer.searcher()
            for doc_id in unique:
                writer.delete_by_term("id", doc_id, searcher=searcher)

    def update(self, changed: Iterable[str], docs: Iterable[SearchDocument]) -> None:
        """Remove the ``changed`` ids and add ``docs`` (some of them), in one commit."""
        unique = list(dict.fromkeys(changed))
        latest = _latest_by_id(docs)
        if not unique and not latest:
            return
        with self._writer() as writer:
            searcher = writer.searcher()
            for doc_id in dict.fromkeys([*unique, *latest]):
                writer.delete_by_term("id", doc_id, searcher=searcher)
            for doc in latest.values():
                writer.add_document(**document_fields(doc))

    def rebuild(self, docs: Iterable[SearchDocument]) -> int:
        """Replace the whole index by ``docs``; returns the number of distinct ids indexed.

        ``docs`` is streamed (only ids are kept in memory). Searches see the old index until
        the commit. A repeated id is indexed once, the last version winning as in :meth:`add`
        (at the cost of a second commit).
        """
        seen: set[str] = set()
        repeated: list[SearchDocument] = []
        with self._writer(clear=True) as writer:
            for doc in docs:
                if doc.id in seen:
                    repeated.append(doc)
                    continue
                seen.add(doc.id)
                writer.add_document(**document_fields(doc))
        self.add(repeated)
        return len(seen)

    # -- reading ---------------------------------------------------------------------------

    def _current_view(self) -> CatalogView:
        """The view of the latest index generation (caller holds the read lock)."""
        generation = self._generation()
        if generation < 0 or self._rebuilding:
            raise SearchIndexUnavailable("the search index is being rebuilt")
        if self._view is not None and self._view.generation == generation:
            return self._view
        for attempt in range(READ_ATTEMPTS):
            try:
                self._view = build_view(self._index.storage, self._segments, self._postings)
                return self._view
            except FileNotFoundError as error:  # a commit removed a file between listing and
                if attempt == READ_ATTEMPTS - 1:  # opening, or the index folder is gone
                    raise SearchIndexUnavailable("the search index cannot be read") from error
                time.sleep(0.05)
        raise AssertionError("unreachable")

    def count(self) -> int:
        with self._read_lock:
            return self._current_view().live_count

    def search(self, query: SearchQuery) -> SearchResult:
        plan = plan_query(query, query_terms)
        with self._read_lock:
            view = self._current_view()
            matched, text = self._match(view, plan)
            total = int(matched.sum())
            facets = {
                name: view.facet_tables[name].counts(matched, plan.facet_limit)
                for name in plan.facets
            }
            page_docnums = self._page(view, plan, matched, text)
            scores = text.scores if text is not None else None
            hits = [self._hit(view, plan, int(docnum), scores) for docnum in page_docnums]
        notices = set(plan.notices)
        if plan.offset and plan.offset >= total:
            notices.add("page-out-of-range")
        return SearchResult(
            total=total,
            hits=hits,
            facets=facets,
            page=plan.page,
            per_page=plan.per_page,
            query=query,
            notice=first_notice(notices),
        )

    def _match(self, view: CatalogView, plan: QueryPlan) -> tuple[np.ndarray, _TextMatch | None]:
        """(matched documents, the text's match and scores, when there is text)."""
        if plan.text.unparsable:
            return np.zeros(view.size, dtype=bool), None
        matched = view.live.copy()
        for name, values in plan.filters.items():
            matched &= view.facet_tables[name].mask(values, view.size)
        if plan.text.blank:
            return matched, None
        text = _TextMatch(view, plan.text)
        return matched & text.matched, text

    def _page(
        self,
        view: CatalogView,
        plan: QueryPlan,
        matched: np.ndarray,
        text: _TextMatch | None,
    ) -> np.ndarray:
        end = plan.offset + plan.per_page
        if plan.sort == "relevance" and text is not None:
            docnums = np.flatnonzero(matched)
            tiers = text.tier[docnums]
            if np.count_nonzero(tiers) < end:  # the page shows substring-only matches
                text.add_gram_scores()
            top = _top_by_score(docnums, text.scores[docnums], end, tiers)
        else:
            top = view.ordered(matched, plan.sort)
        return top[plan.offset : end]

    def _hit(
        self, view: CatalogView, plan: QueryPlan, docnum: int, scores: np.ndarray | None
    ) -> SearchHit:
        stored = view.stored_fields(docnum)
        terms = plan.text.marks
        highlights = {"title": highlight(stored.get("title", ""), terms)}
        description = stored.get("description", "")
        if description:
            highlights["description"] = highlight(description, terms, max_chars=SNIPPET_CHARS)
        score = float(scores[docnum]) if scores is not None else 0.0
        return SearchHit(id=stored["id"], score=score, highlights=highlights)

    def close(self) -> None:
        """Release open files and caches; a later call reopens them."""
        with self._read_lock:
            self._view = None
            self._segments.close()
            self._postings.clear()

    # -- following the change log -------------------------------------------------------------

    @property
    def folder(self) -> str:
        return str(self._index.storage.folder)

    def _generation(self) -> int:
        """The latest generation on disk; -1 when the index (or its folder) is gone."""
        try:
            return int(self._index.latest_generation())
        except FileNotFoundError:
            return -1

    @contextmanager
    def follow_lock(self) -> Iterator[bool]:
        """Hold the right to apply the change log to this index; yields False when another
        process holds it. A vanished index is recreated empty first, and searches answer
        :class:`SearchIndexUnavailable` until it is rebuilt (:meth:`position` is then None)."""
        with self._write_lock:
            if self._generation() < 0:
                self._recreate()
            lock = self._index.storage.lock(FOLLOW_LOCK)
            if not lock.acquire(blocking=False):
                yield False
                return
        try:
            yield True
        finally:
            lock.release()

    def _recreate(self) -> None:
        """An empty index where the old one vanished (caller holds the write lock)."""
        with self._read_lock:
            self._rebuilding = True
            self.close()
            storage = FileStorage(self.folder)
            storage.create()
            for name in os.listdir(self.folder):  # a half-deleted index: start clean
                if name.startswith(f"_{INDEX_NAME}_") or name == POSITION_FILE:
                    os.remove(os.path.join(self.folder, name))
            self._index = storage.create_index(build_schema(), indexname=INDEX_NAME)

    def position(self) -> tuple[int, str] | None:
        """(last change log row applied, store id), or None: the index must be rebuilt (it
        was recreated, or never followed the log, or is older than its position file)."""
        if self._rebuilding:
            return None
        try:
            with open(os.path.join(self.folder, POSITION_FILE), encoding="utf-8") as handle:
                kept = json.load(handle)
            change_id, store, generation = kept["change_id"], kept["store"], kept["generation"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(change_id, int) or generation > self._generation():
            return None
        return change_id, str(store)

    def set_position(self, change_id: int, store: str | None = None) -> str:
        """Record (atomically) that the log up to ``change_id`` is in the index; a new store
        id unless ``store`` is given. Returns the store id. Not synced to disk: a position
        lost in a crash falls back to an older one, or to none, and the log is applied again
        from there (which is harmless)."""
        store = store or uuid.uuid4().hex
        kept = {"change_id": change_id, "store": store, "generation": self._generation()}
        path = os.path.join(self.folder, POSITION_FILE)
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(kept, handle)
        os.replace(temporary, path)
        self._rebuilding = False
        return store

    def digests(self) -> dict[str, str]:
        """Each indexed document's id and content digest."""
        with self._index.searcher() as searcher:
            return {
                fields["id"]: fields.get("digest", "") for fields in searcher.all_stored_fields()
            }
