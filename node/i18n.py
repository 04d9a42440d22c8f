"""Translations: Babel catalogues per language, the current locale, gettext callables.

Catalogues are plain .po files under node/locale/<lang>/ (one file per concern, merged at load),
so no compile step is needed on install. Source strings are English.
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, Translations

LANGUAGES = ("fr", "en", "de", "it")
LANGUAGE_NAMES = {"fr": "Français", "en": "English", "de": "Deutsch", "it": "Italiano"}
DEFAULT = "en"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("quartier_locale", default=DEFAULT)


def po_files(language: str) -> list[Any]:
    folder = resources.files("node") / "locale" / language
    if not folder.is_dir():
        return []
    return sorted((f for f in folder.iterdir() if f.name.endswith(".po")), key=lambda f: f.name)


@cache
def translations(language: str) -> Translations:
    """All .po files of a language merged into one Translations object."""
    merged = Catalog(locale=language)
    for file in po_files(language):
        with file.open("rb") as fh:
            part = read_po(fh, locale=language)
        for message in part:
            if message.id and message.string and not message.fuzzy:
                if message.pluralizable:
                    # a file written with fewer plural forms than Babel's rule: repeat the last one
                    forms = list(message.string)
                    forms += [forms[-1]] * (merged.num_plurals - len(forms))
                    message.string = tuple(forms)
                merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return Translations(buffer)


def current() -> str:
    return _current.get()


def set_current(language: str) -> contextvars.Token:
    return _current.set(language if language in LANGUAGES else DEFAULT)


@contextmanager
def using(language: str) -> Iterator[None]:
    token = set_current(language)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str, **variables: Any) -> str:
    text = translations(current()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations(current()).ungettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


def lazy_gettext(message: str, **variables: Any) -> LazyProxy:
    """A message translated when it is shown (in the reader's language)."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


_ = gettext
_l = lazy_gettext


def choose(preferred: str | None, accept_language: str | None, default: str) -> str:
    """Resident's preference, then the browser's Accept-Language, then the node's default."""
    if preferred in LANGUAGES:
        return preferred
    for tag in _parse_accept(accept_language or ""):
        base = tag.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default if default in LANGUAGES else DEFAULT


def _parse_accept(header: str) -> list[str]:
    weighted = []
    for index, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        if not pieces[0]:
            continue
        q = 1.0
        for p in pieces[1:]:
            if p.strip().startswith("q="):
                try:
                    q = float(p.strip()[2:])
                except ValueError:
                    q = 0.0
        weighted.append((-q, index, pieces[0].strip()))
    return [tag for q, _i, tag in sorted(weighted) if q < 0]


def locale_object(language: str | None = None) -> Locale:
    return Locale.parse(language or current())
