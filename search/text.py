"""Chinese text for search: one normal form (full-width to half-width, traditional to simplified
through OpenCC, lower case), jieba's search segmentation, pinyin keys, and highlighting. Every
backend indexes and queries through these, so a document and a query are cut the same way."""

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from html import escape

import jieba
from opencc import OpenCC
from pypinyin import lazy_pinyin

jieba.setLogLevel(logging.INFO)

CJK = re.compile(r"[\u3400-\u9fff]")
WORD = re.compile(r"\w", re.UNICODE)
PINYIN_QUERY = re.compile(r"^[a-z][a-z' ]*$")
# Words too common to rank anything; dropped from queries and documents alike.
STOPWORDS = frozenset(
    "的 了 和 与 及 或 在 是 为 对 等 将 把 被 于 之 其 并 也 就 都 而 及其 以及 我们 你们 他们 一个 这个 那个".split()  # noqa: SIM905
)


# Words of community work that jieba's general dictionary lacks or cuts apart (助餐点 became
# 助 + 餐点, so 助餐 found nothing). Changing this list changes how documents are cut: rebuild the
# index afterwards (manage.py search_index --rebuild).
DOMAIN_WORDS = tuple(
    " ".join(
        [
            "助餐 助餐点 老年助餐 养老助餐 长者食堂 居家养老 为老服务 日间照料 适老化",
            "垃圾分类 社区矫正 矫正对象 心理疏导 心理咨询 儿童托管 四点半课堂",
            "文明实践 新时代文明实践 志愿服务 在职党员 网格员 网格化",
            "物业纠纷 纠纷调解 人民调解 邻里互助 社区社会组织 社会组织 孵化培育 政府购买服务 基层治理",
        ]
    ).split()
)


@lru_cache(maxsize=1)
def _load_domain_words() -> None:
    for word in DOMAIN_WORDS:
        jieba.add_word(word)


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def initialize() -> None:
    """Load jieba's dictionary now (about a second) rather than on the first search."""
    jieba.initialize()
    _load_domain_words()


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    if CJK.search(text):
        text = _t2s().convert(text)
    return text.lower()


def segment(text: str) -> list[str]:
    """The words of ``text`` as jieba's search mode cuts them (a long word and the shorter
    words inside it), without punctuation, spaces or stop words; in order, repeats kept."""
    _load_domain_words()
    return [
        word
        for word in (w.strip() for w in jieba.cut_for_search(normalize(text)))
        if word and WORD.search(word) and word not in STOPWORDS
    ]


def segmented(text: str) -> str:
    """``segment`` joined by spaces: what a full-text engine indexes as tokens."""
    return " ".join(segment(text))


@lru_cache(maxsize=100_000)
def pinyin_key(word: str) -> str:
    """养老 → yanglao; empty for words with no Chinese."""
    if not CJK.search(word):
        return ""
    return "".join(lazy_pinyin(word)).lower()


def pinyin_keys(text: str) -> list[str]:
    """The pinyin keys of the Chinese words of ``text`` (each once, in order)."""
    seen: dict[str, None] = {}
    for word in segment(text):
        key = pinyin_key(word)
        if key and len(word) > 1:
            seen.setdefault(key, None)
    return list(seen)


@dataclass(frozen=True)
class QueryTerms:
    words: list[str]  # what the text search looks for (any of them; more matches rank higher)
    pinyin: str  # the query as a pinyin key when it was typed in pinyin, else ""

    def __bool__(self) -> bool:
        return bool(self.words or self.pinyin)


def query_terms(text: str) -> QueryTerms:
    """How a typed query is searched: its segmented words, or, when it is only Latin letters,
    a pinyin key too (yanglao, "yang lao")."""
    text = normalize(text).strip()
    words = list(dict.fromkeys(segment(text)))
    pinyin = ""
    if PINYIN_QUERY.match(text):
        pinyin = re.sub(r"[' ]", "", text)
    return QueryTerms(words=words, pinyin=pinyin)


def highlight(text: str, words, *, limit: int | None = None) -> str:
    """``text`` HTML-escaped with each occurrence of ``words`` in <mark>; with ``limit``, an
    excerpt of about that many characters around the first match."""
    text = text or ""
    words = sorted({w for w in words if w}, key=len, reverse=True)
    folded = normalize(text)
    if len(folded) != len(text):  # NFKC changed the length: match on the text as it is
        folded = text.lower()
    spans = []
    if words:
        pattern = re.compile("|".join(re.escape(w) for w in words))
        spans = [(m.start(), m.end()) for m in pattern.finditer(folded)]
    start, end = 0, len(text)
    if limit is not None and len(text) > limit:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - limit // 4, len(text) - limit))
        end = start + limit
    out, cursor = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(escape(text[cursor:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        cursor = e
    out.append(escape(text[cursor:end]))
    html = "".join(out)
    if start > 0:
        html = "…" + html
    if end < len(text):
        html += "…"
    return html
