"""Italian, Spanish and Dutch end to end: pages, an e-mail, a printed PDF and a notification come out
in the reader's language (words that only the it/es/nl catalogues can produce)."""

import datetime as dt
import io
import re

import pypdf
import pytest
from babel import dates as babel_dates
from helpers import api, login, make_quarter, make_resident, make_token, node_of

from node import i18n
from node.commit import commit
from node.local.models import OutgoingMail
from node.local.notifications import read as notifications
from node.local.notifications.send import N_, notify

WORDS = {
    # language: (page words in the menu/pages, settings title, e-mail words, PDF words)
    "it": {
        "login": ("Accedi", "Password dimenticata?"),
        "signup": ("Unisciti ai tuoi vicini", "Crea il mio account"),
        "nav": ("Il mio quartiere", "Eventi", "Messaggi"),
        "settings": "Impostazioni",
        "notice": "Bob chiede in prestito “Scala”.",
        "footer": "Puoi scegliere quali e-mail ricevere nelle tue impostazioni.",
        "poster": "Scansiona il codice con il telefono",
    },
    "es": {
        "login": ("Iniciar sesión", "¿Has olvidado tu contraseña?"),
        "signup": ("Únete a tus vecinos", "Crear mi cuenta"),
        "nav": ("Mi barrio", "Eventos", "Mensajes"),
        "settings": "Ajustes",
        "notice": "Bob pide prestado “Scala”.",
        "footer": "Puedes elegir qué correos recibes en tus ajustes.",
        "poster": "Escanea el código con tu móvil",
    },
    "nl": {
        "login": ("Inloggen", "Wachtwoord vergeten?"),
        "signup": ("Doe mee met je buren", "Mijn account aanmaken"),
        "nav": ("Mijn wijk", "Evenementen", "Berichten"),
        "settings": "Instellingen",
        "notice": "Bob wil “Scala” lenen.",
        "footer": "Je kunt in je instellingen kiezen welke e-mails je ontvangt.",
        "poster": "Scan de code met je telefoon",
    },
}
LANGUAGES = sorted(WORDS)


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("&#39;", "'").replace("&#34;", '"'))


@pytest.mark.parametrize("language", LANGUAGES)
async def test_visitor_pages_follow_the_browser(client, language):
    words = WORDS[language]
    for path, expected in (("/login", words["login"]), ("/signup", words["signup"])):
        page = await client.get(path, headers={"Accept-Language": f"{language}, en;q=0.1"})
        assert page.status == 200
        text = _plain(await page.text())
        assert f'lang="{language}"' in text
        for word in expected:
            assert word in text, (path, word)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_resident_reads_pages_mail_and_notifications_in_their_language(client, language):
    words = WORDS[language]
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice", language=language)
    await login(client, "alice")
    for path in ("/", "/listings", "/events", "/messages", "/notifications", "/settings"):
        page = await client.get(path, headers={"Accept-Language": "en"})
        assert page.status == 200, path
        text = _plain(await page.text())
        assert f'lang="{language}"' in text, path
        for word in words["nav"]:
            assert word in text, (path, word)
    settings = _plain(await (await client.get("/settings")).text())
    assert words["settings"] in settings
    # /settings offers every shipped language by its own name
    for name in ("Italiano", "Español", "Nederlands", "Français", "Deutsch", "English"):
        assert f">{name}<" in settings, name

    # a notification: shown and e-mailed in the resident's language
    await commit(
        node,
        lambda tx: notify(
            alice, "loan", N_("%(name)s asks to borrow “%(title)s”."), name="Bob", title="Scala"
        ),
    )
    mail = await node.db.run(
        lambda: OutgoingMail.select().where(OutgoingMail.to == "alice@example.test").get()
    )
    assert mail.subject == f"Quartier: {words['notice']}"
    assert words["notice"] in mail.text and words["footer"] in mail.text
    token = await make_token(node, alice.id)
    status, body, _r = await api(client, "GET", "/api/v1/notifications", token)
    assert status == 200, body
    items = body["items"] if isinstance(body, dict) else body
    assert any(words["notice"] in (item.get("text") or "") for item in items), items
    page = _plain(await (await client.get("/notifications")).text())
    assert words["notice"] in page

    # the same row reads in another language when asked in it
    note = await node.db.run(lambda: notifications.page(alice.id)[0])
    for other in LANGUAGES:
        assert (
            await node.db.run(lambda o=other: notifications.render(note, o))
            == WORDS[other]["notice"]
        )


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_printed_poster_is_in_the_asked_language(client, language):
    node = node_of(client)
    await make_quarter(node, "centre", "Centre")
    response = await client.get(
        "/quarters/centre/poster.pdf", headers={"Accept-Language": language}
    )
    assert response.status == 200
    body = await response.read()
    assert body.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(body))
    text = _plain(" ".join(page.extract_text() or "" for page in reader.pages))
    assert WORDS[language]["poster"] in text, text
    assert "Join your neighbours" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_numbers_and_plurals_in_the_language(language):
    day = dt.date(2026, 12, 9)
    with i18n.using(language):
        text = i18n.gettext("Member since %(date)s", date=day)
        one = i18n.ngettext("%(num)d unread message", "%(num)d unread messages", 1)
        many = i18n.ngettext("%(num)d unread message", "%(num)d unread messages", 3)
    assert babel_dates.format_date(day, "medium", locale=language) in text
    assert {"it": "dic", "es": "dic", "nl": "dec"}[language] in text
    assert one.startswith("1 ") and many.startswith("3 ") and one != many
    assert "unread" not in one + many
