"""Every user-facing string has a French translation, and pages come out in the right language."""

from pathlib import Path

from babel.messages.extract import extract, extract_from_dir
from babel.messages.pofile import read_po
from helpers import login, make_quarter, make_resident, node_of, post_form
from jinja2.ext import babel_extract

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


def french() -> dict[str, object]:
    translated: dict[str, object] = {}
    for po in sorted((ROOT / "node" / "locale" / "fr").glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh, locale="fr"):
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
