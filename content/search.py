"""Chinese full-text search: Wagtail's PostgreSQL backend with jieba word segmentation on both sides.

PostgreSQL's text-search parsers split on spaces and punctuation only, so unspaced Chinese would be indexed as one
long "word". Here indexed text is segmented with jieba's search mode (words and the shorter words inside them,
separated by spaces) before to_tsvector, and a query is segmented the same way before to_tsquery: each word of the
query matches either as a whole or by all of its shorter parts. Configure with
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "content.search"}}; Wagtail keeps the index current on save/publish.
After switching an existing database to this backend, rebuild each centre's index once (`update_index`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, reduce

from django.contrib.postgres.search import SearchQuery
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from modelsearch.backends.base import EmptySearchResults
from modelsearch.backends.database.postgres.postgres import (
    ObjectIndexer,
    PostgresAutocompleteQueryCompiler,
    PostgresIndex,
    PostgresSearchBackend,
    PostgresSearchQueryCompiler,
)
from modelsearch.backends.database.postgres.query import Lexeme
from modelsearch.query import Phrase, PlainText

# A query longer than this is cut (people type a few words; a pasted page must not cost more).
QUERY_MAX_CHARS = 100
QUERY_MAX_WORDS = 12
WORD_MAX_CHARS = 60
WORD = re.compile(r"\w+")
RESULTS_PER_PAGE = 10


@cache
def _jieba():
    import rjieba

    return rjieba


def segment_for_index(text: str) -> str:
    """The text with spaces between its words, and the shorter words of long words added (jieba's search mode)."""
    if not text:
        return text
    return " ".join(_jieba().cut_for_search(text, True))


def query_words(query: str) -> list[list[str]]:
    """The query's words, each with the shorter words it is made of (to match text segmented the other way)."""
    words: list[list[str]] = []
    tokens = _jieba().cut(query[:QUERY_MAX_CHARS], True)
    # A token may hold punctuation ("Huangpu-only", "a&b"): its runs of letters and digits are the words.
    for word in (word for token in tokens for word in WORD.findall(token)):
        if len(word) > WORD_MAX_CHARS or any(word == known[0] for known in words):
            continue
        parts = [part for part in _jieba().cut_for_search(word, True) if part != word and WORD.fullmatch(part)]
        words.append([word, *parts])
        if len(words) == QUERY_MAX_WORDS:
            break
    return words


class SegmentingObjectIndexer(ObjectIndexer):
    def as_vector(self, texts, for_autocomplete=False):
        return super().as_vector([(segment_for_index(text), weight) for text, weight in texts], for_autocomplete)


class SegmentingIndex(PostgresIndex):
    """PostgresIndex with the segmenting indexer (the parent names its indexer class inline, so add_items is ours)."""

    def add_items(self, model, objs):
        from django.db.models.sql.subqueries import InsertQuery
        from modelsearch.backends.database.postgres.postgres import IndexEntry
        from modelsearch.utils import get_content_type_pk

        if not model.get_search_fields():
            return
        indexers = [SegmentingObjectIndexer(obj, self.backend) for obj in objs]
        if not indexers:
            return
        content_type_pk = get_content_type_pk(model)
        compiler = InsertQuery(IndexEntry).get_compiler(connection=self.write_connection)
        rows, params = [], []
        for indexer in indexers:
            params.extend((content_type_pk, indexer.id))
            vectors = []
            for field in ("title", "autocomplete", "body"):
                value = compiler.prepare_value(IndexEntry._meta.get_field(field), getattr(indexer, field))
                sql, field_params = value.as_sql(compiler, self.write_connection)
                vectors.append(sql)
                params.extend(field_params)
            params.extend((indexer.title_text, indexer.body_text))
            rows.append(f"(%s, %s, {vectors[0]}, {vectors[1]}, {vectors[2]}, 1.0, %s, %s)")
        with self.write_connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {IndexEntry._meta.db_table}
                    (content_type_id, object_id, title, autocomplete, body, title_norm, title_text, body_text)
                (VALUES {", ".join(rows)})
                ON CONFLICT (content_type_id, object_id)
                DO UPDATE SET title = EXCLUDED.title, title_norm = 1.0, autocomplete = EXCLUDED.autocomplete,
                              body = EXCLUDED.body, title_text = EXCLUDED.title_text, body_text = EXCLUDED.body_text
                """,  # noqa: S608 - only placeholders and compiled expressions are interpolated
                params,
            )
        self._refresh_title_norms()


class SegmentingQueryCompiler(PostgresSearchQueryCompiler):
    def build_tsquery_content(self, query, config=None, invert=False):
        if isinstance(query, PlainText):
            words = query_words(query.query_string)
            if not words:  # nothing searchable (only punctuation, emoji…): an empty query, which matches nothing
                return SearchQuery("", search_type="plain", config=config)
            lexemes = []
            for index, (word, *parts) in enumerate(words):
                prefix = self.LAST_TERM_IS_PREFIX and index == len(words) - 1
                whole = Lexeme(word, invert=invert, prefix=prefix)
                if parts:
                    by_parts = reduce(
                        lambda a, b: (a | b) if invert else (a & b), (Lexeme(p, invert=invert) for p in parts)
                    )
                    whole = (whole & by_parts) if invert else (whole | by_parts)
                lexemes.append(whole)
            use_and = (query.operator == "and") != invert
            combined = reduce(lambda a, b: (a & b) if use_and else (a | b), lexemes)
            return SearchQuery(combined, search_type="raw", config=config)
        if isinstance(query, Phrase):
            words = [word for word, *_parts in query_words(query.query_string)]
            if not words:
                return SearchQuery("", search_type="plain", config=config)
            return SearchQuery(" ".join(words), search_type="phrase", config=config, invert=invert)
        return super().build_tsquery_content(query, config=config, invert=invert)


class SegmentingAutocompleteCompiler(SegmentingQueryCompiler, PostgresAutocompleteQueryCompiler):
    """Autocomplete (the last word is a prefix) over the segmented autocomplete vector."""


class SearchBackend(PostgresSearchBackend):
    """The PostgreSQL backend, segmenting Chinese; the "simple" configuration (no English stemming) by default."""

    query_compiler_class = SegmentingQueryCompiler
    autocomplete_query_compiler_class = SegmentingAutocompleteCompiler
    index_class = SegmentingIndex

    def __init__(self, params):
        super().__init__({"SEARCH_CONFIG": "simple", **params})

    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        if isinstance(query, str) and not query_words(query):
            return EmptySearchResults()
        return super()._search(query_compiler_class, query, model_or_queryset, **kwargs)


# ---------------------------------------------------------------- the public search page


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    summary: str
    kind: str


def search_query_clean(raw: str) -> str:
    """The query as searched and shown: trimmed, control characters dropped, cut to a sensible length."""
    cleaned = "".join(ch for ch in raw if ch.isprintable() or ch == " ")
    return " ".join(cleaned.split())[:QUERY_MAX_CHARS]


def public_pages_search(*, site, query: str, page_number: str | int | None) -> tuple[PaginatorPage, list[SearchHit]]:
    """Live, public pages of this site matching `query`, best first: one page of hits and the paginator page."""
    from wagtail.models import Page

    pages = Page.objects.live().public().descendant_of(site.root_page, inclusive=True)
    results = pages.search(query) if query_words(query) else Page.objects.none()
    paginator_page = Paginator(results, RESULTS_PER_PAGE).get_page(page_number)
    specific = Page.objects.filter(pk__in=[page.pk for page in paginator_page.object_list]).specific().in_bulk()
    root_path = site.root_page.url_path
    hits = []
    for page in paginator_page.object_list:
        found = specific.get(page.pk, page)
        summary = (
            found.search_description
            or getattr(found, "summary", "")
            or getattr(found, "intro", "")
            or getattr(found, "description", "")
        )
        hits.append(
            SearchHit(
                title=found.title,
                url="/" + found.url_path[len(root_path) :],
                summary=str(summary)[:200],
                kind=str(found._meta.verbose_name),
            )
        )
    return paginator_page, hits
