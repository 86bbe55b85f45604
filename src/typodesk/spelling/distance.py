"""Weighted Damerau-Levenshtein distance (optimal string alignment).

Ranking candidates by plain edit distance and then by word frequency beats
Hunspell's own order for Russian and Turkish, but plain distance treats every
substitution alike. Readers' errors are not alike: someone typing Turkish on
an English keyboard drops every diacritic ("ogrenciler" for "öğrenciler", three
substitutions), and Russian unstressed vowels sound the same ("малоко" for
"молоко"). Those substitutions get a lower cost, taken from the language's
:class:`~typodesk.spelling.languages.LanguageSpec`, so that the word the
reader meant wins over a frequent word that merely happens to be one letter
away. Doubling or undoubling a letter ("suply", "гостинница") is also cheap,
in every language: it is the commonest slip of all.

Inputs are expected lower-cased (see :func:`typodesk.spelling._text.lower`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: Cost of inserting or deleting a letter next to the same letter.
DOUBLING_COST = 0.5

#: ``{(a, b): cost}`` for substitutions cheaper than 1; symmetric.
SubstitutionCosts = Mapping[tuple[str, str], float]


def substitution_costs(groups: Iterable[tuple[str, float]]) -> dict[tuple[str, str], float]:
    """Build a symmetric cost table from ``(letters, cost)`` groups.

    ``("eə", 0.3)`` makes e↔ə cost 0.3; a group of three letters makes each pair
    of them cost that much. When a pair is in two groups the cheaper wins.
    """
    table: dict[tuple[str, str], float] = {}
    for letters, cost in groups:
        for a in letters:
            for b in letters:
                if a != b:
                    table[(a, b)] = min(cost, table.get((a, b), cost))
    return table


def distance(a: str, b: str, costs: SubstitutionCosts | None = None) -> float:
    """Return the weighted optimal-string-alignment distance between ``a`` and ``b``.

    Insertion, deletion, substitution and transposition of two adjacent letters
    each cost 1, except the cheaper substitutions in ``costs`` and the
    insertion or deletion of a doubled letter (:data:`DOUBLING_COST`).
    """
    if a == b:
        return 0.0
    costs = costs or {}
    n, m = len(a), len(b)
    # previous-previous, previous and current rows of the DP table
    before: list[float] = []
    prev = [0.0] * (m + 1)
    for j in range(1, m + 1):
        prev[j] = prev[j - 1] + 1.0
    for i in range(1, n + 1):
        cur = [0.0] * (m + 1)
        cur[0] = prev[0] + 1.0
        ai = a[i - 1]
        for j in range(1, m + 1):
            bj = b[j - 1]
            if ai == bj:
                sub = prev[j - 1]
            else:
                sub = prev[j - 1] + costs.get((ai, bj), 1.0)
            # deleting ai (or inserting bj) is undoubling (doubling) when its twin stays beside it:
            # the other string's letter just aligned is the same letter
            delete = prev[j] + (DOUBLING_COST if ai == bj else 1.0)
            insert = cur[j - 1] + (DOUBLING_COST if bj == ai else 1.0)
            best = min(sub, delete, insert)
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == bj and ai != bj:
                best = min(best, before[j - 2] + 1.0)
            cur[j] = best
        before, prev = prev, cur
    return prev[m]
