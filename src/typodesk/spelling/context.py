"""Suggestions that read the sentence: real-word errors and repeated words.

A word the dictionary accepts can still be the wrong word in its sentence
("More then two thousand", "keep it's lantern lit", "нужно учится"). These
are found by small per-language rules kept as data in
``src/typodesk/spelling/rules/<lang>.toml`` (the format is described at the
top of each file and in ``docs/spelling.md``), so that a native speaker can
add one without touching this code. Each rule is a few regular expressions
over the reader's selection with its context (prefix and suffix as the
report API receives them); a repeated word is found for every language.

Only an edit that touches the reader's selection is suggested: the desk
shows what the selection should read, not a correction elsewhere.
"""

from __future__ import annotations

import functools
import logging
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from typodesk.spelling import _text
from typodesk.spelling.languages import LANGUAGES, parse_tag

if TYPE_CHECKING:
    from typodesk.spelling._lexicons import Lexicon

log = logging.getLogger("typodesk.spelling")

RULES_DIR = Path(__file__).resolve().parent / "rules"

#: Apostrophes folded to ASCII before matching; one character for one, so offsets hold.
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u02bc\u2018`\u00b4", "'"))
_SET_RE = re.compile(r"@(\w+)")
_WORD = r"[^\W\d_]+(?:'[^\W\d_]+)*"
#: How far back a rule's ``before`` context is looked for: a few words, as readers' prefixes
#: carry (64 characters); bounded so that a long selection costs linear time, not quadratic.
CONTEXT_WINDOW = 120
#: How much more common (wordfreq) each corrected word of a ``frequent`` rule must be than the
#: text it replaces: "doğrumu" is in the frequency list too (it is a common mistake), "doğru" is
#: far above it, while "adamı" (a word) is not far below "ada".
FREQUENT_RATIO = 10.0
#: Context before a match: starts at a word's start (or at punctuation), ends at the match.
_BEFORE = r"(?:(?<!\w)|(?=\W))(?:{})\s*$"
#: What precedes the first word of a sentence: nothing, or an end mark and spaces (quotes too).
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;]\s*[\"'«»“”„(]?|^[\"'«»“”„(])\s*$")
#: A word followed, after spaces only (no punctuation, no line break), by itself.
_REPEATED_RE = re.compile(rf"(?<![\w'-])({_WORD})(?=([ \t\u00a0]+)(\1)(?![\w'-]))", re.IGNORECASE)


@dataclass(frozen=True)
class Suggestion:
    """What the reader's selection should read, and why (a short phrase the desk shows)."""

    text: str
    reason: str


@dataclass(frozen=True)
class Rule:
    """One entry of a rules file: a wrong text, its correction and the context it needs."""

    find: re.Pattern[str]
    replace: str
    reason: str
    before: re.Pattern[str] | None = None
    not_before: re.Pattern[str] | None = None
    after: re.Pattern[str] | None = None
    not_after: re.Pattern[str] | None = None
    #: The corrected words must be in the dictionary (for rules that rewrite endings).
    check: bool = False
    #: The matched text must not be in the dictionary (a particle glued to a word).
    rejected: bool = False
    #: Each corrected word must be :data:`FREQUENT_RATIO` times as common (wordfreq) as the matched
    #: text, which may be in the dictionary too.
    frequent: bool = False
    #: Wrong form → right form (lower case), for rules written as a table instead of find/replace.
    forms: dict[str, str] | None = None


@dataclass(frozen=True)
class RuleSet:
    """Everything one language's rules file says."""

    lang: str
    rules: tuple[Rule, ...]
    repeated_allow: frozenset[str]
    repeated_reason: str
    #: If set, only words matching it are flagged when repeated (languages whose reduplications
    #: such as Turkish "satır satır" are productive: only function words and inflected forms).
    repeated_only: re.Pattern[str] | None = None


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and the rule."""


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    replacement: str
    reason: str
    order: int
    #: The span the rule matched, before the edit was trimmed to what changes: edits from
    #: different rules conflict, or are alternatives, by what they matched.
    place: tuple[int, int] = (0, 0)

    def overlaps(self, other: _Edit) -> bool:
        return self.place[0] < other.place[1] and other.place[0] < self.place[1]


def _expand(pattern: str, sets: dict[str, list[str]], where: str) -> str:
    """Replace ``@name`` by the named word set and spaces by "any whitespace"."""

    def one_set(m: re.Match[str]) -> str:
        words = sets.get(m.group(1))
        if words is None:
            raise RulesError(f"{where}: no set named @{m.group(1)}")
        # a word is taken literally; an entry starting with "~" is a regular expression
        escaped = sorted(
            (w[1:] if w.startswith("~") else re.escape(w).replace(r"\ ", " ") for w in words),
            key=len,
            reverse=True,
        )
        return "(?:" + "|".join(escaped) + ")"

    return _SET_RE.sub(one_set, pattern).replace(" ", r"\s+")


def _compile(pattern: str, flags: int, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise RulesError(f"{where}: {exc}") from exc


def parse_rules(lang: str, data: dict, source: str = "") -> RuleSet:
    """Build a :class:`RuleSet` from a parsed rules file; raises :class:`RulesError` on a bad rule."""
    sets = {name: [str(w) for w in words] for name, words in data.get("sets", {}).items()}
    rules = []
    for n, raw in enumerate(data.get("rule", []), start=1):
        where = f"{source or lang} rule {n}"
        unknown = set(raw) - {
            "find", "replace", "reason", "before", "not_before", "after", "not_after",
            "check", "rejected", "frequent", "case_sensitive", "example", "map",
        }  # fmt: skip
        if unknown:
            raise RulesError(f"{where}: unknown keys {sorted(unknown)}")
        mapping = raw.get("map")
        if mapping is not None:
            # a table of wrong form → right form: find is every wrong form, replace looks it up
            if not isinstance(mapping, dict) or not mapping or "find" in raw or "replace" in raw:
                raise RulesError(f"{where}: 'map' must be a table of wrong = right, without find/replace")
            forms = sorted((re.escape(k).replace(r"\ ", " ") for k in mapping), key=len, reverse=True)
            raw = dict(raw, find="|".join(forms), replace="")
            mapping = {_text.lower(k, lang): str(v) for k, v in mapping.items()}
        for key in ("find", "replace", "reason"):
            if not isinstance(raw.get(key), str):
                raise RulesError(f"{where}: {key!r} must be a string")
        flags = 0 if raw.get("case_sensitive") else re.IGNORECASE

        def ctx(key: str, template: str, raw: dict = raw, where: str = where, flags: int = flags):
            value = raw.get(key)
            if value is None:
                return None
            return _compile(template.format(_expand(value, sets, where)), flags, f"{where} {key}")

        rules.append(
            Rule(
                find=_compile(rf"(?<![\w'])(?:{_expand(raw['find'], sets, where)})(?![\w'])", flags, where),
                replace=raw["replace"],
                reason=raw["reason"],
                before=ctx("before", _BEFORE),
                not_before=ctx("not_before", _BEFORE),
                after=ctx("after", r"\s*(?:{})(?!\w)"),
                not_after=ctx("not_after", r"\s*(?:{})(?!\w)"),
                forms=mapping,
                check=bool(raw.get("check", False)),
                rejected=bool(raw.get("rejected", False)),
                frequent=bool(raw.get("frequent", False)),
            )
        )
    repeated = data.get("repeated", {})
    only = repeated.get("only")
    if only is not None:
        pattern = _expand("@only", {"only": [str(w) for w in only]}, f"{source or lang} [repeated] only")
        repeated_only = _compile(rf"(?:{pattern})", re.IGNORECASE, f"{source or lang} [repeated] only")
    else:
        repeated_only = None
    return RuleSet(
        lang=lang,
        rules=tuple(rules),
        repeated_allow=frozenset(_text.lower(w, lang) for w in repeated.get("allow", [])),
        repeated_reason=str(repeated.get("reason", "repeated word")),
        repeated_only=repeated_only,
    )


@functools.cache
def rules_for(code: str) -> RuleSet | None:
    """The language's rules, read once; None for a language without a (usable) rules file.

    A file broken by an edit switches only these suggestions off for its language, with an
    error in the log that names the file and the rule; misspellings are still corrected.
    """
    path = RULES_DIR / f"{code}.toml"
    if not path.is_file():
        return None
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
        return parse_rules(code, data, source=path.name)
    except (OSError, tomllib.TOMLDecodeError, RulesError) as exc:
        log.error("suggestions in context are off for %s: %s: %s", code, path, exc)
        return None


def _lexicon(code: str) -> Lexicon | None:
    """The dictionary for ``check``/``rejected``/``frequent`` rules, or None when there is none."""
    from typodesk.spelling._engine import REGISTRY

    return REGISTRY.lexicon(code)


def _repeated_edits(text: str, ruleset: RuleSet, sel: tuple[int, int]) -> list[_Edit]:
    """Delete the copy of a word repeated right after itself that the selection covers."""
    edits = []
    for m in _REPEATED_RE.finditer(text):
        if m.start() >= sel[1]:
            break
        first = m.group(1)
        if _text.lower(first, ruleset.lang) in ruleset.repeated_allow:
            continue
        if ruleset.repeated_only is not None and not ruleset.repeated_only.fullmatch(first):
            continue
        if any(len(w) > 1 and w.isupper() for w in (first, m.group(3))):
            continue  # placeholders and acronyms (FILE FILE, "PORT port"), not prose
        if (
            first[:1].isupper()
            and m.group(3)[:1].isupper()
            and not _SENTENCE_START.search(text, max(0, m.start() - 8), m.start())
        ):
            continue  # a name inside a sentence: Bora Bora, Walla Walla
        if m.start(3) < sel[1] and m.end(3) > sel[0]:
            edits.append(_Edit(m.end(1), m.end(3), "", ruleset.repeated_reason, -1, (m.start(1), m.end(3))))
        elif m.start(1) < sel[1] and m.end(1) > sel[0]:
            edits.append(
                _Edit(m.start(1), m.start(3), "", ruleset.repeated_reason, -1, (m.start(1), m.end(3)))
            )
    return edits


def _case_like(replacement: str, original: str, lang: str) -> str:
    pattern = _text.case_pattern(original)
    if pattern is _text.CasePattern.MIXED:
        return replacement
    if pattern is _text.CasePattern.LOWER:
        return replacement
    return _text.apply_case(replacement, pattern, lang)


def _rule_edits(text: str, ruleset: RuleSet, sel: tuple[int, int]) -> list[_Edit]:
    edits = []
    lexicon: Lexicon | None = None
    lexicon_loaded = False
    for order, rule in enumerate(ruleset.rules):
        for m in rule.find.finditer(text):
            if m.start() >= sel[1]:
                break
            if m.end() <= sel[0]:
                continue
            cues: dict[str, str] = {}
            window = max(0, m.start() - CONTEXT_WINDOW)
            if rule.before is not None:
                b = rule.before.search(text, window, m.start())
                if b is None:
                    continue
                cues.update({k: v for k, v in b.groupdict().items() if v})
            if rule.not_before is not None and rule.not_before.search(text, window, m.start()):
                continue
            if rule.after is not None:
                a = rule.after.match(text, m.end())
                if a is None:
                    continue
                cues.update({k: v for k, v in a.groupdict().items() if v})
            if rule.not_after is not None and rule.not_after.match(text, m.end()):
                continue
            if rule.forms is not None:
                fixed = rule.forms.get(_text.lower(re.sub(r"\s+", " ", m.group()), ruleset.lang), m.group())
            else:
                fixed = m.expand(rule.replace)
            replacement = _case_like(fixed, m.group(), ruleset.lang)
            if rule.check or rule.rejected or rule.frequent:
                if not lexicon_loaded:
                    lexicon, lexicon_loaded = _lexicon(ruleset.lang), True
                if lexicon is None:
                    break  # no dictionary: such rules cannot be trusted
                if rule.rejected and lexicon.accepts(m.group()):
                    continue
                if rule.check and not all(lexicon.accepts(w) for w in replacement.split()):
                    continue
                if rule.frequent and not all(
                    lexicon.frequency(w) >= FREQUENT_RATIO * lexicon.frequency(m.group())
                    for w in replacement.split()
                ):
                    continue
            if replacement == m.group():
                continue
            try:
                reason = rule.reason.format(**cues) if cues else rule.reason
            except (KeyError, IndexError):
                reason = rule.reason
            edits.append(_Edit(m.start(), m.end(), replacement, reason, order, m.span()))
    return edits


def _shrink(text: str, edit: _Edit) -> _Edit:
    """Drop what the replacement keeps unchanged at either end ("в течении" → "в течение": one letter)."""
    old, new = text[edit.start : edit.end], edit.replacement
    head = 0
    while head < len(old) and head < len(new) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < len(old) - head and tail < len(new) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return replace(
        edit, start=edit.start + head, end=edit.end - tail, replacement=new[head : len(new) - tail]
    )


def _fit(text: str, edit: _Edit, sel: tuple[int, int]) -> _Edit | None:
    """The edit within the selection, or None if it changes text outside it."""
    edit = _shrink(text, edit)
    start, end = edit.start, edit.end
    if start < sel[0] and (edit.replacement or text[start : sel[0]].strip()):
        return None
    if end > sel[1] and (edit.replacement or text[sel[1] : end].strip()):
        return None
    start, end = max(start, sel[0]), min(end, sel[1])
    if start >= end and not edit.replacement:
        return None
    return replace(edit, start=start, end=end)


def _apply(exact: str, offset: int, edits: list[_Edit], apostrophe: str) -> str:
    out, pos = [], 0
    for e in sorted(edits, key=lambda e: e.start):
        out.append(exact[pos : e.start - offset])
        out.append(e.replacement.replace("'", apostrophe))
        pos = e.end - offset
    out.append(exact[pos:])
    return "".join(out)


def suggest_in_context(exact: str, prefix: str, suffix: str, lang: str) -> list[Suggestion]:
    """What the selection ``exact`` should read given the words around it, best first.

    ``prefix`` and ``suffix`` are the text just before and after the selection
    on the page (as the report API receives them). Each :class:`Suggestion`
    gives the whole selection corrected (an empty ``text`` means "delete
    it": the selection is a repeated word) and a short reason. Empty when
    no rule of the language fires, or the language has no rules.
    """
    tag = parse_tag(lang)
    spec = LANGUAGES.get(tag.language)
    if spec is None or (tag.script and tag.script not in spec.scripts) or not exact.strip():
        return []
    ruleset = rules_for(spec.code)
    if ruleset is None:
        return []
    text = (prefix + exact + suffix).translate(_APOSTROPHES)
    sel = (len(prefix), len(prefix) + len(exact))
    apostrophe = "\u2019" if "\u2019" in exact else "'"
    fitted = []
    for edit in _repeated_edits(text, ruleset, sel) + _rule_edits(text, ruleset, sel):
        fit = _fit(text, edit, sel)
        if fit is not None:
            fitted.append(fit)
    if not fitted:
        return []
    fitted.sort(key=lambda e: (e.order, e.start))
    # the best edit of each place, without overlaps, makes the first suggestion; the other
    # edits of the first place (there → their / they're) make the alternatives
    chosen: list[_Edit] = []
    for e in fitted:
        if not any(e.overlaps(c) for c in chosen):
            chosen.append(e)
    lead = chosen[0]
    out: list[Suggestion] = []
    seen: set[str] = set()
    for alt in [lead] + [e for e in fitted if e.place == lead.place and e is not lead]:
        edits = [alt] + [c for c in chosen if c is not lead]
        corrected = _apply(exact, sel[0], edits, apostrophe)
        if corrected in seen or corrected == exact:
            continue
        seen.add(corrected)
        reasons = list(dict.fromkeys(e.reason for e in sorted(edits, key=lambda e: e.start)))
        out.append(Suggestion(corrected, "; ".join(reasons)))
    return out
