"""Which language a neighbour's text is written in: a small, honest guess from stopwords.

Short texts ("Drill") say nothing, so the guess is "" unless the text holds enough frequent
words of one language and clearly more than of any other; callers then keep what the author
chose or ask. Covers the languages we ship catalogues for and their neighbours."""

from __future__ import annotations

import re

STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and for with you your this that are is was have has will can from our not but "
        "all any some one two who what when where which would could should they them their "
        "there here been a an to of in on it at by or be if my me we us do does did".split()
    ),
    "fr": frozenset(
        "le la les un une des du de et est pour avec vous votre vos nous notre nos dans sur "
        "par pas plus qui que quoi ce cette ces il elle ils elles je tu au aux ou mais donc "
        "car sont était être avoir ai as ont se sa son ses mon ma mes très bien aussi peu "
        "chez jeu merci bonjour volontiers".split()
    ),
    "de": frozenset(
        "der die das den dem des ein eine einen einem einer und ist für mit sie ihr ich du "
        "wir nicht auch auf aus bei nach von vom zum zur im in an am es sind war sein haben "
        "hat kann gern gerne sehr noch oder aber wenn dass wie was wer zu bis über unter "
        "danke hallo für".split()
    ),
    "it": frozenset(
        "il lo la gli le un uno una di da del della dei delle e è per con che non sono sei "
        "siamo mi ti ci si ma anche come più molto nel nella questo questa grazie ciao".split()
    ),
    "es": frozenset(
        "el la los las un una unos unas de del y es en por para con que no sí se su sus "
        "mi mis tu muy más pero como está están gracias hola también este esta".split()
    ),
    "nl": frozenset(
        "de het een en is van voor met op in te dat die niet ook zijn was je jij wij we "
        "ik u mijn ons onze er maar om als bij naar dan nog wel graag bedankt hallo".split()
    ),
}
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
MIN_SCORE = 1.5  # evidence needed: a word shared by n languages counts 1/n for each
MARGIN = 1.5  # the winner needs this many times the runner-up's score


def _shared() -> dict[str, int]:
    seen: dict[str, int] = {}
    for stops in STOPWORDS.values():
        for word in stops:
            seen[word] = seen.get(word, 0) + 1
    return seen


SHARED = _shared()


def detect(text: str, among: tuple[str, ...] | None = None) -> str:
    """The language code of `text`, or "" when the text does not tell."""
    words = []
    for word in WORD.findall((text or "").lower()):
        # elisions (l'outil, d'un, dell'acqua): the article is the telling part
        words.append(re.split(r"['’]", word)[0] if ("'" in word or "’" in word) else word)
    scores = {
        code: sum(1 / SHARED[word] for word in words if word in stops)
        for code, stops in STOPWORDS.items()
        if among is None or code in among
    }
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < MIN_SCORE:
        return ""
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    return best if score >= MARGIN * runner_up else ""
