"""Did-you-mean, shared by the backends: which vocabulary words a query may have meant, and in
what order. Each backend only fetches the candidates (words with their pinyin key and how many
documents hold them); the ranking is this one, so both backends suggest the same words."""

from collections.abc import Iterable

from . import text

# How many suggestions a result page shows, and how many candidates a backend fetches for them.
SUGGESTIONS = 5
CANDIDATES = 200


def distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def suggestion_keys(typed: str, terms: text.QueryTerms) -> tuple[str, set[str], set[str]]:
    """The query's Chinese characters, the pinyin keys it may have meant and the first
    characters of its words."""
    chinese = "".join(text.CJK.findall(text.normalize(typed)))
    keys, firsts = set(), set()
    if chinese:
        keys.add(text.pinyin_key(chinese))
        firsts.add(chinese[0])
    for word in terms.words:
        if text.CJK.search(word):
            keys.add(text.pinyin_key(word))
            firsts.add(word[0])
    if terms.pinyin:
        keys.add(terms.pinyin)
    keys.discard("")
    return chinese, keys, firsts


def rank(typed: str, terms: text.QueryTerms, candidates: Iterable[tuple[str, str, int]]) -> list[str]:
    """The words of ``candidates`` (word, pinyin key, document count) the query may have meant:
    the same sound first (养佬 → 养老), then a close spelling among words sharing a first
    character, or for a pinyin query a close key (yanglo → 养老); more documents first."""
    chinese, keys, firsts = suggestion_keys(typed, terms)
    asked = set(terms.words)
    ranked = []
    for word, pinyin, n in candidates:
        if word in asked:
            continue
        if pinyin and pinyin in keys:
            ranked.append((0, 0, -n, word))
        elif chinese and word[0] in firsts:
            gap = distance(word, chinese)
            if gap <= max(1, len(chinese) // 2):
                ranked.append((1, gap, -n, word))
        elif terms.pinyin and pinyin:
            gap = distance(pinyin, terms.pinyin)
            if gap <= 2:
                ranked.append((1, gap, -n, word))
    return [word for *_rank, word in sorted(ranked)][:SUGGESTIONS]
