"""Which languages the spell checker knows, and where each one's data lives.

Adding a language is adding a :class:`LanguageSpec` to :data:`LANGUAGES` (see
``docs/spelling.md``): nothing else in the package names a language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from typodesk import conf
from typodesk.spelling.distance import SubstitutionCosts, substitution_costs

#: Where Debian's hunspell-* packages put their dictionaries. Searched after
#: the directories in ``TYPODESK_HUNSPELL_PATH`` (``os.pathsep``-separated).
SYSTEM_HUNSPELL_DIRS = ("/usr/share/hunspell", "/usr/local/share/hunspell", "/usr/share/myspell/dicts")

#: Cost of a substitution between a letter and its diacritic twin (e/ə, s/ş):
#: typing without the national keyboard layout makes these nearly free.
TWIN = 0.3
#: Cost of a substitution between letters that sound alike in the language.
SOUND = 0.5


@dataclass(frozen=True)
class LanguageSpec:
    """Everything the package needs to know about one language.

    ``hunspell`` names dictionary files (without ``.dic``/``.aff``) tried in
    order; ``wordfreq`` is the language code and list size in the ``wordfreq``
    package, used to rank candidates; ``word_lists`` replaces Hunspell for a
    language that has no Hunspell dictionary (Azerbaijani).
    """

    code: str
    name: str
    hunspell: tuple[str, ...] = ()
    debian_package: str | None = None
    wordfreq: tuple[str, str] | None = None
    #: Letters tried when generating one-edit candidates.
    alphabet: str = ""
    #: ``(a, b) -> cost`` for substitutions cheaper than 1.
    costs: SubstitutionCosts = field(default_factory=dict)
    #: ``letter -> letters`` it may stand for when the reader dropped diacritics.
    twins: dict[str, str] = field(default_factory=dict)
    #: Scripts (ISO 15924, lower case) the dictionary is written in.
    scripts: tuple[str, ...] = ("latn",)


def _twins(pairs: str) -> dict[str, str]:
    """``"cç gğ"`` → ``{"c": "ç", "g": "ğ"}``: plain letter → the letters it may stand for."""
    table: dict[str, str] = {}
    for pair in pairs.split():
        plain, marked = pair[0], pair[1:]
        table[plain] = table.get(plain, "") + marked
    return table


LANGUAGES: dict[str, LanguageSpec] = {
    spec.code: spec
    for spec in (
        LanguageSpec(
            code="en",
            name="English",
            hunspell=("en_US", "en_GB", "en_CA", "en_AU", "en_ZA"),
            debian_package="hunspell-en-us",
            wordfreq=("en", "large"),
            alphabet="abcdefghijklmnopqrstuvwxyz'",
        ),
        LanguageSpec(
            code="ru",
            name="Russian",
            hunspell=("ru_RU",),
            debian_package="hunspell-ru",
            wordfreq=("ru", "large"),
            alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
            costs=substitution_costs(
                [
                    ("её", TWIN),
                    ("ий", TWIN),
                    ("ьъ", TWIN),
                    # unstressed vowels, voiced/voiceless pairs, ы/и after ж, ш, ц
                    ("ао", SOUND),
                    ("еия", SOUND),
                    ("иы", SOUND),
                    ("еэ", SOUND),
                    ("зс", SOUND),
                    ("дт", SOUND),
                    ("бп", SOUND),
                    ("вф", SOUND),
                    ("гк", SOUND),
                    ("жш", SOUND),
                    ("шщ", SOUND),
                ]
            ),
            twins=_twins("её"),
            scripts=("cyrl",),
        ),
        LanguageSpec(
            code="uk",
            name="Ukrainian",
            hunspell=("uk_UA",),
            debian_package="hunspell-uk",
            wordfreq=("uk", "large"),
            alphabet="абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'",
            costs=substitution_costs(
                [
                    ("гґ", TWIN),
                    ("іїи", TWIN),
                    ("еє", TWIN),
                    ("ий", TWIN),
                    # Russian habits: и for і, е for є, ы and э typed from a Russian layout
                    ("еи", SOUND),
                    ("иы", TWIN),
                    ("еэ", TWIN),
                    ("ао", SOUND),
                ]
            ),
            twins=_twins("гґ іїи иі еє ыи эе"),
            scripts=("cyrl",),
        ),
        LanguageSpec(
            code="tr",
            name="Turkish",
            hunspell=("tr_TR",),
            debian_package="hunspell-tr",
            wordfreq=("tr", "small"),
            alphabet="abcçdefgğhıijklmnoöprsştuüvyzâîû'",
            costs=substitution_costs(
                [
                    ("cç", TWIN),
                    ("gğ", TWIN),
                    ("ıi", TWIN),
                    ("oö", TWIN),
                    ("uü", TWIN),
                    ("sş", TWIN),
                    ("aâ", TWIN),
                    ("iî", TWIN),
                    ("uû", TWIN),
                ]
            ),
            twins=_twins("cç gğ iı ıi oö uü sş aâ uû"),
        ),
        LanguageSpec(
            code="az",
            name="Azerbaijani",
            alphabet="abcçdeəfgğhxıijkqlmnoöprsştuüvyz",
            costs=substitution_costs(
                [
                    ("eə", TWIN),
                    ("cç", TWIN),
                    ("gğ", TWIN),
                    ("ıi", TWIN),
                    ("oö", TWIN),
                    ("uü", TWIN),
                    ("sş", TWIN),
                    # Turkish and Russian spelling habits: h for x, k or g for q, p for b
                    ("xh", SOUND),
                    ("qkg", SOUND),
                    ("bp", SOUND),
                    ("dt", SOUND),
                ]
            ),
            twins=_twins("eə cç gğ iı ıi oö uü sş"),
        ),
    )
}

#: Three-letter and other codes pages declare, mapped to ours.
_ALIASES = {"eng": "en", "rus": "ru", "ukr": "uk", "tur": "tr", "aze": "az", "azj": "az"}


@dataclass(frozen=True)
class Tag:
    """A parsed language tag: ``az-Latn-AZ`` → ``Tag("az", "latn")``."""

    language: str
    script: str | None


def parse_tag(tag: str) -> Tag:
    """Parse a BCP 47-ish tag as pages write it (``en-US``, ``ru``, ``az_Latn``, ``AZ``)."""
    parts = [p for p in tag.strip().replace("_", "-").lower().split("-") if p]
    if not parts:
        return Tag("", None)
    language = _ALIASES.get(parts[0], parts[0])
    script = next((p for p in parts[1:] if len(p) == 4 and p.isalpha()), None)
    return Tag(language, script)


def hunspell_dirs() -> list[Path]:
    """Directories searched for Hunspell dictionaries, most specific first."""
    return [*conf.hunspell_path(), *(Path(d) for d in SYSTEM_HUNSPELL_DIRS)]


def find_hunspell(spec: LanguageSpec) -> tuple[Path, Path] | None:
    """Return the first ``(dic, aff)`` pair of ``spec``'s dictionaries that exists."""
    for name in spec.hunspell:
        for directory in hunspell_dirs():
            dic, aff = directory / f"{name}.dic", directory / f"{name}.aff"
            if dic.is_file() and aff.is_file():
                return dic, aff
    return None
