"""The database backend's index.

``SearchEntry`` is deliberately narrow: the keys, the facet values (as one ``SearchGroup``), the
ranking inputs and, on PostgreSQL, the tsvector. A search reads it for every matching document (to count facets and
rank), so its rows must stay small for a large index to stay in memory. What is only shown (the
title, the body, the url) and the words the index was built from live in ``SearchText``, read
for one page of hits.

Full text per database (see migrations/0002_fulltext.py): on PostgreSQL the ``vector`` column,
written by the backend from jieba's words and GIN-indexed; on SQLite an FTS5 table over
``SearchText``'s word columns, kept in step by triggers (``vector`` stays empty there).
"""

from django.db import models


class TsVectorField(models.TextField):
    """A tsvector on PostgreSQL, written as a tsvector literal by the backend; plain (and
    unused) text elsewhere. Not Django's SearchVectorField, which needs django.contrib.postgres
    installed even on SQLite."""

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"


class SearchGroup(models.Model):
    """One combination of facet values that some document has: its kind, street, community,
    category and status (0 stands for no street or community). Entries point to their group, so
    counting facets groups the matches by one integer, and the labels of streets and communities
    are stored once per group rather than once per document."""

    kind = models.CharField(max_length=20)
    street_id = models.BigIntegerField(default=0)
    street = models.CharField(max_length=100, blank=True)
    community_id = models.BigIntegerField(default=0)
    community = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=40, blank=True)
    # How many entries the group has: the facets of a search without text, read without
    # counting the entries.
    doc_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "street_id", "community_id", "category", "status"], name="search_group_unique"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.street} {self.community} {self.category} {self.status}"


class SearchEntry(models.Model):
    kind = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    group = models.ForeignKey(SearchGroup, on_delete=models.DO_NOTHING, related_name="+")
    open = models.BooleanField(default=False)
    date = models.DateTimeField(null=True, blank=True)
    vector = TsVectorField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique_key")]

    def __str__(self):
        return f"{self.kind}:{self.object_id}"


class SearchText(models.Model):
    """What a hit shows, and the words (``text.segmented``) its entry was indexed with."""

    # Deleting entries in bulk must not make Django load their texts first: the database cascades.
    entry = models.OneToOneField(
        SearchEntry, on_delete=models.DB_CASCADE, primary_key=True, related_name="text"
    )
    title = models.TextField()
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    title_tokens = models.TextField(blank=True)
    body_tokens = models.TextField(blank=True)

    def __str__(self):
        return self.title


class SearchTerm(models.Model):
    """The vocabulary of the index: each word of two characters or more, its pinyin key, and how
    many documents hold it (anywhere, and in their title). A pinyin query is looked up here
    (yanglao → 养老), and suggestions come from here: the commonest title words for an empty
    query, words sounding or looking like a misspelt one."""

    word = models.CharField(max_length=100, unique=True)
    pinyin = models.CharField(max_length=200, blank=True, db_index=True)
    doc_count = models.PositiveIntegerField(default=0)
    title_count = models.PositiveIntegerField(default=0, db_index=True)

    def __str__(self):
        return self.word
