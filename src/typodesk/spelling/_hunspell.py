"""Hunspell through its C API (Debian's ``libhunspell``), called with ctypes.

Why not the ``hunspell`` binding on PyPI: it keeps the GIL for the whole of a call, and two of
Hunspell's calls are slow. Loading a dictionary took 41 ms (English) to 285–289 ms (Ukrainian,
Turkish), and ``suggest`` for a word with no close correction 32 ms (English) to 150–182 ms
(Turkish, Ukrainian). The worker runs them in a thread of the server process with
``serve --with-worker`` (the one-machine default): every request of that process then waited
as long. ctypes lets other threads run during a call into a ``CDLL``: loading and suggesting
go through one. ``spell`` is called hundreds of times for one word's candidates and takes
microseconds: it goes through a ``PyDLL``, which keeps the GIL, so that the worker does not hand
it over and wait to get it back hundreds of times. Reading libhunspell directly also spares an
install the compiler and headers the PyPI binding needed.

A :class:`Hunspell` is not safe to call from two threads at once (Hunspell's own state); its
users hold a lock around each call, as they did with the binding.
"""

from __future__ import annotations

import codecs
import ctypes
import ctypes.util
import os
import weakref
from pathlib import Path

# libhunspell's soname on Debian 12 is libhunspell-1.7.so.0; "hunspell" finds a plain libhunspell.so.
_NAMES = ("hunspell-1.7", "hunspell")
_WordList = ctypes.POINTER(ctypes.c_char_p)


class _Library:
    """The functions of libhunspell's C API that typodesk uses, each with its signature."""

    def __init__(self, path: str):
        released = ctypes.CDLL(path)  # the GIL is released during these calls
        held = ctypes.PyDLL(path)  # and kept during these
        self.create = _function(released.Hunspell_create, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p)
        self.destroy = _function(released.Hunspell_destroy, None, ctypes.c_void_p)
        self.encoding = _function(held.Hunspell_get_dic_encoding, ctypes.c_char_p, ctypes.c_void_p)
        self.spell = _function(held.Hunspell_spell, ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p)
        out = ctypes.POINTER(_WordList)  # char ***: Hunspell allocates the list, free_list frees it
        word = ctypes.c_char_p
        self.suggest = _function(released.Hunspell_suggest, ctypes.c_int, ctypes.c_void_p, out, word)
        self.free_list = _function(held.Hunspell_free_list, None, ctypes.c_void_p, out, ctypes.c_int)


def _function(f, restype, *argtypes):
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_library: _Library | None = None


def library() -> _Library:
    """libhunspell, loaded once; raises ImportError (with what to install) when it is missing."""
    global _library
    if _library is None:
        path = next((p for p in map(ctypes.util.find_library, _NAMES) if p), None)
        if path is None:
            raise ImportError("libhunspell is not installed (Debian package libhunspell-1.7-0)")
        try:
            _library = _Library(path)
        except (OSError, AttributeError) as exc:  # not loadable, or not Hunspell's C API
            raise ImportError(f"libhunspell could not be loaded from {path}: {exc}") from None
    return _library


def _codec(name: str) -> str:
    """The Python codec of a dictionary's ``SET`` encoding (``UTF-8``, ``KOI8-U``,
    ``ISO8859-9``, ``microsoft-cp1251``)."""
    for candidate in (name, name.removeprefix("microsoft-")):
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            continue
    raise LookupError(f"the dictionary's encoding {name!r} is not one Python knows")


class Hunspell:
    """One Hunspell dictionary (``.dic`` and ``.aff``), with ``spell`` and ``suggest``."""

    def __init__(self, dic: Path, aff: Path):
        lib = library()
        for path in (dic, aff):
            if not Path(path).is_file():
                raise FileNotFoundError(f"no Hunspell file {path}")
        handle = lib.create(os.fsencode(aff), os.fsencode(dic))
        if not handle:
            raise OSError(f"Hunspell could not load {dic}")
        self._lib, self._handle = lib, handle
        # Freed when this object is; not at interpreter exit, where a daemon thread may still use it.
        finalizer = weakref.finalize(self, lib.destroy, handle)
        finalizer.atexit = False
        raw = lib.encoding(handle)
        self.encoding = _codec(raw.decode("ascii", "replace") if raw else "UTF-8")

    def spell(self, word: str) -> bool:
        """Whether the dictionary accepts ``word``; UnicodeEncodeError for a letter its encoding lacks."""
        return bool(self._lib.spell(self._handle, word.encode(self.encoding)))

    def suggest(self, word: str) -> list[str]:
        """Hunspell's own suggestions for ``word``, best first (other threads run meanwhile)."""
        words = _WordList()
        n = self._lib.suggest(self._handle, ctypes.byref(words), word.encode(self.encoding))
        try:
            return [words[i].decode(self.encoding, "replace") for i in range(max(n, 0))]
        finally:
            self._lib.free_list(self._handle, ctypes.byref(words), max(n, 0))
