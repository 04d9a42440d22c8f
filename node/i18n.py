"""Translations: Babel catalogues per language, the current locale, gettext callables.

Catalogues are plain .po files under node/locale/<lang>/ (one file per concern, merged at load),
so no compile step is needed on install. Source strings are English.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from babel import Locale

if TYPE_CHECKING:  # Babel's formatting and gettext machinery load with their first use
    from babel.support import LazyProxy, Translations

# Languages a text or a resident may be tagged with, besides every shipped one (ui_languages()).
LANGUAGES = ("fr", "en", "de", "it")
DEFAULT = "en"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("quartier_locale", default=DEFAULT)


def po_files(language: str) -> list[Any]:
    folder = resources.files("node") / "locale" / language
    if not folder.is_dir():
        return []
    return sorted((f for f in folder.iterdir() if f.name.endswith(".po")), key=lambda f: f.name)


@cache
def ui_languages() -> tuple[str, ...]:
    """The languages the node ships: English (the source) and every catalogue under node/locale."""
    folder = resources.files("node") / "locale"
    found = {
        entry.name
        for entry in (folder.iterdir() if folder.is_dir() else ())
        if entry.is_dir() and any(f.name.endswith(".po") for f in entry.iterdir())
    }
    return (DEFAULT, *sorted(found - {DEFAULT}))


def is_language(code: str | None) -> bool:
    """A language we know: a shipped one, or one a text may be written in."""
    return bool(code) and (code in LANGUAGES or code in ui_languages())


# Each shipped language's name in itself, as CLDR (Babel) writes it; tests/test_memory.py checks
# they agree. Asking Babel on every page would keep every language's whole locale data in memory
# (about 1.4 MB each) on a node whose readers all read one or two of them.
NATIVE_NAMES = {
    "de": "Deutsch",
    "en": "English",
    "es": "español",
    "fr": "français",
    "it": "italiano",
    "nl": "Nederlands",
}


def native_name(code: str) -> str:
    """A language's name in itself ("Deutsch", "Français"), for language pickers."""
    name = NATIVE_NAMES.get(code)
    if name is None:
        try:
            name = Locale.parse(code).get_display_name(code) or code
        except (ValueError, TypeError):
            return code
    return name[:1].upper() + name[1:]


def language_names() -> dict[str, str]:
    """Every shipped language and its own name, ordered by that name."""
    return dict(sorted(((c, native_name(c)) for c in ui_languages()), key=lambda i: i[1].lower()))


_built: dict[str, Translations] = {}
_building = threading.Lock()


def translations(language: str) -> Translations:
    """All .po files of a language merged into one Translations object, built once.

    The first pages after start ask for several languages at once from the database threads
    (search labels in every shipped language); one thread at a time builds and imports Babel's
    catalogue tools, so concurrent first imports never meet (the lock is not taken once built)."""
    found = _built.get(language)
    if found is None:
        with _building:
            found = _built.get(language)
            if found is None:
                found = _built[language] = _build(language)
    return found


def _build(language: str) -> Translations:
    # Babel's catalogue tools (and difflib) only here: a node loads them with its first page
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

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
    return _current.set(language if is_language(language) else DEFAULT)


@contextmanager
def using(language: str) -> Iterator[None]:
    token = set_current(language)
    try:
        yield
    finally:
        _current.reset(token)


def _shown(value: Any) -> Any:
    """A day given as a variable reads as the reader says it ("9 déc. 2026", not 2026-12-09)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        from babel import dates as babel_dates

        return babel_dates.format_date(value, "medium", locale=current())
    return value


def gettext(message: str, **variables: Any) -> str:
    text = translations(current()).ugettext(message)
    return text % {k: _shown(v) for k, v in variables.items()} if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations(current()).ungettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % {k: _shown(v) for k, v in variables.items()}


def lazy_gettext(message: str, **variables: Any) -> LazyProxy:
    """A message translated when it is shown (in the reader's language)."""
    from babel.support import LazyProxy

    return LazyProxy(gettext, message, enable_cache=False, **variables)


_ = gettext
_l = lazy_gettext


def choose(preferred: str | None, accept_language: str | None, default: str) -> str:
    """Resident's preference, then the browser's Accept-Language, then the node's default."""
    if is_language(preferred):
        return preferred
    for tag in _parse_accept(accept_language or ""):
        base = tag.split("-")[0].lower()
        if base in ui_languages():  # a browser's wish counts only where we have the pages
            return base
    return default if is_language(default) else DEFAULT


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
