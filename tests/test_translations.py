"""Every user-facing string is translated in every shipped catalogue (node/locale/<lang>/*.po), with
the same placeholders as its English source, and pages come out in the right language."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract, extract_from_dir
from babel.messages.pofile import read_po
from helpers import login, make_quarter, make_resident, node_of, post_form
from jinja2.ext import babel_extract

from node import i18n

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "N_": None,
}


def source_messages() -> dict[str, str]:
    """msgid -> first place it was found, from node/**/*.py and node/templates/**/*.html."""
    found: dict[str, str] = {}

    def add(message, where):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, where)

    for filename, lineno, message, _comments, _ctx in extract_from_dir(
        str(ROOT / "node"), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        add(message, f"node/{filename}:{lineno}")
    for path in sorted((ROOT / "node" / "templates").rglob("*.html")):
        with path.open("rb") as fh:
            for lineno, message, _comments, _ctx in extract(
                babel_extract,
                fh,
                keywords=KEYWORDS,
                options={"extensions": "jinja2.ext.i18n", "trim_blocks": "true"},
            ):
                add(message, f"{path.relative_to(ROOT)}:{lineno}")
    return found


def catalogue_messages(language: str) -> list:
    """Every message of a language's area files, with the file it is in."""
    found = []
    for po in sorted((ROOT / "node" / "locale" / language).glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh, locale=language):
                if message.id:
                    found.append((po.name, message))
    return found


def shipped() -> list[str]:
    """Every catalogue language the node ships (English is the source)."""
    return [code for code in i18n.ui_languages() if code != i18n.DEFAULT]


def french() -> dict[str, object]:
    return translated_in("fr")


def translated_in(language: str) -> dict[str, object]:
    translated: dict[str, object] = {}
    for po in sorted((ROOT / "node" / "locale" / language).glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh, locale=language):
                if not message.id or message.fuzzy:
                    continue
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if all(strings):
                    ids = message.id if isinstance(message.id, tuple) else (message.id,)
                    for msgid in ids:
                        translated[msgid] = message.string
    return translated


def test_extraction_finds_known_strings():
    messages = source_messages()
    assert "Log in" in messages  # a template
    assert "This name is already taken." in messages  # node/local
    assert "%(num)d residents" in messages  # an ngettext plural


def test_every_message_has_a_french_translation():
    translated = french()
    missing = sorted(
        f"{where}: {msgid!r}"
        for msgid, where in source_messages().items()
        if msgid not in translated
    )
    assert not missing, f"{len(missing)} messages without French:\n" + "\n".join(missing)


async def test_accept_language_chooses_french_or_english(client):
    french_page = await client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert 'lang="fr"' in (text := await french_page.text())
    assert "Se connecter" in text and "Mot de passe" in text
    english = await client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "Password" in await english.text()


async def test_query_parameter_sets_the_language_and_is_remembered(client):
    response = await client.get("/signup?lang=fr", headers={"Accept-Language": "en"})
    assert "Rejoignez vos voisins" in await response.text()
    again = await client.get("/signup", headers={"Accept-Language": "en"})
    assert "Rejoignez vos voisins" in await again.text()  # q_lang cookie


async def test_resident_preference_wins_over_the_browser(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice", language="fr")
    await login(client, "alice")
    page = await client.get("/settings", headers={"Accept-Language": "en"})
    assert "Paramètres" in await page.text()
    await post_form(client, "/settings", display_name="Alice", language="en")
    page = await client.get("/settings", headers={"Accept-Language": "fr"})
    assert "Settings" in await page.text()


PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_the_node_ships_french_german_italian_spanish_and_dutch():
    assert {"fr", "de", "it", "es", "nl"} <= set(shipped())


@pytest.mark.parametrize("language", ["fr", "de", "it", "es", "nl"])
def test_every_message_is_translated_in_every_shipped_language(language):
    """Every msgid of the source and of any catalogue has a non-empty msgstr in this language."""
    assert language in shipped()
    translated = translated_in(language)
    wanted = dict(source_messages())
    for other in shipped():
        for name, message in catalogue_messages(other):
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            for msgid in ids:
                wanted.setdefault(msgid, f"node/locale/{other}/{name}")
    missing = sorted(
        f"{where}: {msgid!r}" for msgid, where in wanted.items() if msgid not in translated
    )
    assert not missing, (
        f"{len(missing)} messages without a {language} translation (add them to "
        f"node/locale/{language}/<area>.po, msgid as in the source):\n" + "\n".join(missing)
    )


@pytest.mark.parametrize("language", ["fr", "de", "it", "es", "nl"])
def test_translations_keep_the_placeholders_of_their_source(language):
    wrong = []
    for name, message in catalogue_messages(language):
        if message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            named = set(placeholders(message.id[1])) - {"%(num)d"}
            for form in message.string:
                # a plural form may say "one" instead of %(num)d; every other variable stays
                if set(placeholders(form)) - {"%(num)d"} != named or not form.strip():
                    wrong.append(f"{name}: {message.id[1]!r} -> {form!r}")
        elif placeholders(message.string) != placeholders(message.id) or not message.string.strip():
            wrong.append(f"{name}: {message.id!r} -> {message.string!r}")
    assert not wrong, f"{len(wrong)} {language} messages with other placeholders:\n" + "\n".join(
        wrong
    )


@pytest.mark.parametrize("language", ["it", "es", "nl"])
def test_plural_forms_follow_the_language(language):
    for po in sorted((ROOT / "node" / "locale" / language).glob("*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        assert catalog.num_plurals == 2, po
        assert "(n != 1)" in catalog.plural_expr, po
    with i18n.using(language):
        one = i18n.ngettext("%(num)d resident", "%(num)d residents", 1)
        many = i18n.ngettext("%(num)d resident", "%(num)d residents", 5)
    assert one.startswith("1 ") and many.startswith("5 ") and one != many
    assert many != "5 residents"


@pytest.mark.parametrize(
    "language, words",
    [
        ("it", ("Accedi", "Password")),
        ("es", ("Iniciar sesión", "Contraseña")),
        ("nl", ("Inloggen", "Wachtwoord")),
    ],
)
async def test_accept_language_chooses_italian_spanish_or_dutch(client, language, words):
    page = await client.get("/login", headers={"Accept-Language": f"{language};q=0.9,en;q=0.5"})
    text = await page.text()
    assert f'lang="{language}"' in text
    for word in words:
        assert word in text


def test_a_language_is_built_once_when_many_threads_ask_at_once(monkeypatch):
    """The first pages ask for catalogues from several database threads together (node.i18n)."""
    import threading

    from node import i18n

    monkeypatch.setattr(i18n, "_built", {})
    builds: list[str] = []
    real = i18n._build

    def counted(language):
        builds.append(language)
        return real(language)

    monkeypatch.setattr(i18n, "_build", counted)
    start = threading.Barrier(8)
    got: list[object] = []

    def ask():
        start.wait()
        got.append(i18n.translations("de"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds == ["de"]
    assert len({id(t) for t in got}) == 1
    with i18n.using("de"):
        assert i18n.gettext("Please log in.") != "Please log in."
