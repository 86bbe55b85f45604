"""The reader widget as it is served: two minified files, the loader naming the dialog by hash.

Sites embed the *loader* (``source/widget.js``); it is small because a news page pays for it on
every view. The *dialog* (``source/dialog.js``: canonical text, capture, the dialog, sending) is built once
per language, each with that language's strings only, and the loader imports the one of the
page's language on first use from ``widget/dialog.<hash>.js``: a content-hashed URL, so browsers
may cache it forever and an upgrade never mixes an old dialog with a new loader. The loader's code
names their hashes as ``__CHUNK__`` (written in as ``{language: hash}``). A reader loads one
language's dialog, so a new string costs a reader the bytes of their own language only.

Each part's CSS lives beside it (``widget.css``, ``dialog.css``) and is written in minified as a
string literal (``__CSS__``). The strings of the five built-in languages live in
``strings.json``; the loader gets the few it shows before the dialog exists
(:data:`LOADER_STRINGS`) in every language, each dialog all the others in its own language, each
part as ``{language: "text|text|…"}`` (``__STRINGS__``) with the names in that order
(``__NAMES__``). A string with plural forms is written ``one=…~few=…~other=…`` (the categories of
``Intl.PluralRules``; ``other`` is required).

Minifying is terser's job (it renames local variables: the budget of 9 KB gzipped for the whole
widget needs that), and terser is a Node.js program, so its output is *committed* in ``served/``:
installing typodesk needs no Node.js, and the server only reads those two files. After changing
anything in ``source/``, run::

    .venv/bin/python -m typodesk.widget.build      # needs npx (Node.js) and the npm registry

The *proof-of-work solver* (``source/pow.js``) is put in front of the dialog's code: it runs only
where a site asks for proof-of-work (docs/abuse.md), and inside the dialog it costs 0.2 KB
gzipped, where a file of its own would cost a request and more bytes than the budget has.

The *corrections note* (``source/corrections.js``, its CSS and ``corrections.json``, its strings
in the five languages) is a module of its own, ``widget/corrections.<hash>.js``, named in the
loader as ``__NOTE__``: only pages whose script tag says ``data-corrections="on"`` import it, so
it is outside the widget's two budgets and has its own (:data:`NOTE_BUDGET`).

The loader's first line records a digest of the sources and of the build itself;
``tests/widget/test_widget_build.py`` fails when ``served/`` is older than ``source/``. This module
imports nothing from Django, so the browser tests and ``bench/widget_size.py`` use it directly.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "source"
SERVED = HERE / "served"  # not "dist": .gitignore keeps dist/ out of git
LOADER_OUT = SERVED / "widget.js"
NOTE_OUT = SERVED / "corrections.js"

#: The strings the loader needs up front: the button (also the dialog's title), the two hint
#: lines and the message for a dialog that could not be loaded.
LOADER_STRINGS = ("btn", "hint", "tap", "net")
#: The categories of Intl.PluralRules (and CLDR): the forms a plural string may have.
PLURAL_CATEGORIES = frozenset(("zero", "one", "two", "few", "many", "other"))
#: What a page loads up front, and everything the widget can load, gzipped (the issue's budget).
UP_FRONT_BUDGET = 4 * 1024
TOTAL_BUDGET = 9 * 1024
#: The corrections note, gzipped: loaded only where a site turns it on (data-corrections="on").
NOTE_BUDGET = 1536

# The build itself is part of what the digest covers: another terser or other options make
# other bytes from the same sources.
TERSER = "terser@5.51.4"
TERSER_OPTIONS = ("--ecma", "2020", "--compress", "passes=2", "--mangle")
BUILD_VERSION = f"1 {TERSER} {' '.join(TERSER_OPTIONS)}"
_BANNER = re.compile(r"^/\*! typodesk widget \| AGPL-3\.0-or-later \| source ([0-9a-f]{12}) \*/")


@dataclass(frozen=True)
class Asset:
    body: bytes
    digest: str  # the first 12 hex digits of its SHA-256: its ETag and its versioned name

    @classmethod
    def of(cls, body: bytes) -> Asset:
        return cls(body, hashlib.sha256(body).hexdigest()[:12])

    @property
    def gzipped(self) -> int:
        """Size on the wire with gzip at level 9, as a reverse proxy or CDN would send it."""
        return len(gzip.compress(self.body, compresslevel=9, mtime=0))


def dialog_out(lang: str) -> Path:
    """Where the dialog of language ``lang`` is committed."""
    return SERVED / f"dialog.{lang}.js"


@dataclass(frozen=True)
class Widget:
    loader: Asset
    dialogs: dict[str, Asset]  # by language
    note: Asset

    @property
    def dialog(self) -> Asset:
        """The largest of the dialogs (gzipped): the one the budget is checked with."""
        return max(self.dialogs.values(), key=lambda a: a.gzipped)

    @property
    def total_gzipped(self) -> int:
        """Everything the reader widget can load on a page, gzipped, each file on its own: the
        loader and the largest dialog (a page loads the dialog of one language; the corrections
        note, which a site turns on, has a budget of its own)."""
        return self.loader.gzipped + self.dialog.gzipped

    @property
    def source_digest(self) -> str:
        """The digest of the sources this was built from, as its first line records it."""
        match = _BANNER.match(self.loader.body.decode("utf-8"))
        return match.group(1) if match else ""


def dialog_path(digest: str) -> str:
    """The dialog's path relative to the loader's URL (and to the server's root)."""
    return f"widget/dialog.{digest}.js"


def note_path(digest: str) -> str:
    """The corrections note's path relative to the loader's URL (and to the server's root)."""
    return f"widget/corrections.{digest}.js"


@dataclass(frozen=True)
class Sources:
    loader: str
    loader_css: str
    dialog: str
    dialog_css: str
    strings: str  # JSON
    pow: str
    note: str
    note_css: str
    note_strings: str  # JSON

    @classmethod
    def read(cls) -> Sources:
        names = (
            "widget.js",
            "widget.css",
            "dialog.js",
            "dialog.css",
            "strings.json",
            "pow.js",
            "corrections.js",
            "corrections.css",
            "corrections.json",
        )
        return cls(*((SOURCE / n).read_text(encoding="utf-8") for n in names))

    @property
    def digest(self) -> str:
        h = hashlib.sha256(BUILD_VERSION.encode())
        parts = (self.loader, self.loader_css, self.dialog, self.dialog_css, self.strings, self.pow)
        for part in (*parts, self.note, self.note_css, self.note_strings):
            h.update(b"\0" + part.encode("utf-8"))
        return h.hexdigest()[:12]


def minify_css(source: str) -> str:
    """Comments out, white space collapsed and dropped around punctuation (our own CSS only:
    no strings or url() with spaces in them)."""
    css = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    css = re.sub(r"\s+", " ", css)
    return re.sub(r" ?([{};:,>]) ?", r"\1", css).replace(";}", "}").strip()


def _plural_forms(text: str) -> dict[str, str]:
    """The forms of a plural string by category, or {} when it is not one (``other`` is required)."""
    forms = dict(f.split("=", 1) for f in text.split("~") if "=" in f)
    ok = len(forms) == text.count("~") + 1 and "other" in forms and set(forms) <= PLURAL_CATEGORIES
    return forms if ok else {}


def check_strings(strings: dict[str, dict[str, str]]) -> tuple[str, ...]:
    """The names of the dialog's strings; raises ValueError unless every language has every string."""
    english = strings.get("en")
    if not english or not set(LOADER_STRINGS) <= set(english):
        raise ValueError("strings.json: English must have every string")
    for lang, texts in strings.items():
        if set(texts) != set(english):
            raise ValueError(
                f"strings.json: {lang} has not the same strings as en: {set(texts) ^ set(english)}"
            )
        if any("|" in t for t in texts.values()):
            raise ValueError(f"strings.json: {lang}: '|' separates the strings and cannot be in one")
        for name, text in texts.items():
            if "~" in english[name] and not _plural_forms(text):
                raise ValueError(f"strings.json: {lang}: {name}: plural forms are one=…~few=…~other=…")
    return tuple(n for n in english if n not in LOADER_STRINGS)


def check_note_strings(strings: dict[str, dict[str, str]]) -> tuple[str, ...]:
    """The names of the note's strings; raises ValueError unless the five languages have them all."""
    english = strings.get("en") or {}
    if set(strings) != {"en", "ru", "az", "tr", "uk"}:
        raise ValueError(f"corrections.json: the five languages, not {sorted(strings)}")
    for lang, texts in strings.items():
        if set(texts) != set(english):
            raise ValueError(f"corrections.json: {lang} has not the same strings as en")
        if any("|" in t for t in texts.values()):
            raise ValueError(f"corrections.json: {lang}: '|' separates the strings and cannot be in one")
    return tuple(english)


def _fill(code: str, css: str, names: tuple[str, ...], strings: dict[str, dict[str, str]]) -> str:
    """Write the CSS and the strings (``names``, in every language) into minified ``code``."""
    table = {lang: "|".join(texts[n] for n in names) for lang, texts in strings.items()}
    for placeholder, value in (
        ("__CSS__", json.dumps(minify_css(css))),
        ("__NAMES__", " ".join(names)),
        ("__STRINGS__", json.dumps(table, ensure_ascii=False, separators=(",", ":"))),
    ):
        if code.count(placeholder) != 1:
            raise ValueError(f"the minified code must have {placeholder} exactly once")
        code = code.replace(placeholder, value)
    return code


def terser(code: str, module: bool) -> str:
    """Minify with terser through npx (development only; see the module's docstring)."""
    args = ["npx", "--yes", TERSER, *TERSER_OPTIONS, *(["--module"] if module else [])]
    done = subprocess.run(args, input=code, capture_output=True, text=True, check=False, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"terser failed: {done.stderr.strip()}")
    return done.stdout.strip()


def build(sources: Sources, minify=terser) -> Widget:
    """Minify both parts, write in their CSS and strings, and the dialog's hashed path into the loader."""
    strings = json.loads(sources.strings)
    dialog_names = check_strings(strings)
    dialog_min = minify(sources.pow + "\n" + sources.dialog, True)
    dialogs = {
        lang: Asset.of((_fill(dialog_min, sources.dialog_css, dialog_names, {lang: texts}) + "\n").encode())
        for lang, texts in strings.items()
    }
    note_strings = json.loads(sources.note_strings)
    note_code = _fill(
        minify(sources.note, True), sources.note_css, check_note_strings(note_strings), note_strings
    )
    note = Asset.of((note_code + "\n").encode())
    loader = _fill(minify(sources.loader, False), sources.loader_css, LOADER_STRINGS, strings)
    if loader.count("__CHUNK__") != 1:
        raise ValueError("the loader's minified code must name the dialog exactly once, as __CHUNK__")
    if loader.count("__NOTE__") != 1:
        raise ValueError("the loader's minified code must name the corrections note once, as __NOTE__")
    banner = f"/*! typodesk widget | AGPL-3.0-or-later | source {sources.digest} */\n"
    hashes = {lang: d.digest for lang, d in dialogs.items()}
    if "'widget/dialog.'+__CHUNK__[" not in loader.replace('"', "'").replace(" ", ""):
        raise ValueError("the loader must name the dialog as 'widget/dialog.' + __CHUNK__[language] + '.js'")
    loader = loader.replace("__CHUNK__", json.dumps(hashes, separators=(",", ":")))
    loader = loader.replace("__NOTE__", note_path(note.digest))
    return Widget(loader=Asset.of((banner + loader + "\n").encode()), dialogs=dialogs, note=note)


@lru_cache(maxsize=1)
def widget() -> Widget:
    """The widget as committed in served/, read once per process."""
    return Widget(
        loader=Asset.of(LOADER_OUT.read_bytes()),
        dialogs={p.name.split(".")[1]: Asset.of(p.read_bytes()) for p in sorted(SERVED.glob("dialog.*.js"))},
        note=Asset.of(NOTE_OUT.read_bytes()),
    )


def main() -> None:
    built = build(Sources.read())
    LOADER_OUT.write_bytes(built.loader.body)
    for old in SERVED.glob("dialog.*.js"):
        old.unlink()
    for lang, dialog in built.dialogs.items():
        dialog_out(lang).write_bytes(dialog.body)
    NOTE_OUT.write_bytes(built.note.body)
    up_front, total, note = built.loader.gzipped, built.total_gzipped, built.note.gzipped
    print(
        f"served/, gzipped: widget.js {up_front} B, dialog.*.js "
        + ", ".join(f"{lang} {d.gzipped} B" for lang, d in built.dialogs.items())
        + f", in all {total} B (with the largest dialog); "
        f"corrections.js {note} B"
    )
    if up_front > UP_FRONT_BUDGET or total > TOTAL_BUDGET or note > NOTE_BUDGET:
        sys.exit(
            f"over budget: {UP_FRONT_BUDGET} B up front, {TOTAL_BUDGET} B in all, "
            f"{NOTE_BUDGET} B for the corrections note"
        )


if __name__ == "__main__":
    main()
