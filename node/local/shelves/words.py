"""Words of a listing for matching: tokens, Snowball stems folded to ASCII, shipped concepts (pure).

`analyse(title, description, language)` gives the concepts a text names in any shipped language
("Suche Leiter" and "Échelle" both name `ladder`) and the words of its title that name no concept,
stemmed in the text's language and also kept whole ("Kärcher"), for same-language matches.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from node.local.shelves.vocabulary import CONCEPTS, LANGUAGES

STEMMERS = {
    "en": "english",
    "fr": "french",
    "de": "german",
    "it": "italian",
    "es": "spanish",
    "nl": "dutch",
}
TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
MAX_TEXT = 2000  # characters of a description that are read
MAX_WORD = 40
COMPOUND_MIN = 4  # a compound's known last part has at least this many letters (Zelt, Leiter)
COMPOUND_LANGUAGES = ("de", "nl", "en")  # languages that glue nouns together (Aluleiter)

# Little words of the six languages: never a term, skipped inside phrases ("machine à coudre").
FUNCTION_WORDS = frozenset(
    """
    a à al alla als an and at au aux avec bei con d da dal de del della dello dem den der des di
    die das du e ed een el en et for für het i il im in l la las le les lo los met mit of on ou
    op per por pour sur the to un una une uno van voor y z zu zum zur with o od oder or ne
    i me my you your we our us it this that is are je j tu il elle nous vous mon ma mes ton ta
    ce cette ich du er sie wir ihr mein meine meinen dein deine io tu mio mia noi yo mi mis
    nosotros ik jij je mijn wij ons onze dit dat
    """.split()
)
# Words that say "I am looking for / I lend" and times: part of a request's or a shelf's title,
# never what is wanted.
REQUEST_WORDS = frozenset(
    """
    need needed looking look search searching wanted want borrow borrowing lend lending anyone
    someone please hire rent free available day days weekend week tomorrow today
    cherche recherche cherchons besoin emprunter emprunte prêter prête prete prêt pret louer
    quelqu qu'un quelqu'un svp urgent jour jours semaine demain aujourd'hui dispo disponible
    suche suchen gesucht brauche benötige leihen ausleihen verleihe leihe jemand bitte tag tage
    wochenende woche morgen heute dringend verfügbar
    cerco cercasi cerchiamo bisogno prestito prestare presto qualcuno favore giorno giorni
    settimana domani oggi urgente disponibile
    busco buscamos necesito necesitamos prestar presto alguien favor día días semana mañana hoy
    urgente disponible alquilar
    zoek zoeken gezocht nodig lenen leen uitlenen iemand graag dag dagen weekend week morgen
    vandaag dringend beschikbaar
    """.split()
)
# Vocabulary words that mean something else often enough that they count in titles only
# ("I saw your post" is no saw).
TITLE_ONLY = frozenset({"saw", "masse", "moule", "cassa", "portable", "mazza", "duvet", "trage"})


def fold(word: str) -> str:
    """Lower case without accents or ligatures: "Échelle" → "echelle", "Säge" → "sage"."""
    word = word.lower().replace("ß", "ss").replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=20_000)
def stem(word: str, language: str) -> str:
    """The Snowball stem of a lower-case word in a shipped language, folded (unknown: folded)."""
    name = STEMMERS.get(language)
    if name is None:
        return fold(word)
    return fold(_stemmer(name).stemWord(word))


@lru_cache(maxsize=8)
def _stemmer(name: str):
    import snowballstemmer  # its ~30 languages' tables load with the first stem, not at start

    return snowballstemmer.stemmer(name)


def tokens(text: str) -> list[str]:
    """Lower-case words of a text, without the little words; hyphens and apostrophes split."""
    words = []
    for raw in TOKEN.findall((text or "")[:MAX_TEXT].lower().replace("’", "'")):
        for part in raw.split("'") if raw.count("'") else (raw,):
            if part and part not in FUNCTION_WORDS and len(part) <= MAX_WORD:
                words.append(part)
    return words


@dataclass(frozen=True)
class Lexicon:
    """The shipped vocabulary prepared for lookups: stemmed phrases per language, and whole
    compound tails."""

    phrases: dict[str, dict[tuple[str, ...], frozenset[str]]]
    title_only: dict[str, frozenset[tuple[str, ...]]]
    tails: dict[str, frozenset[str]]
    longest: int


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    phrases: dict[str, dict[tuple[str, ...], set[str]]] = {lang: {} for lang in LANGUAGES}
    title_only: dict[str, set[tuple[str, ...]]] = {lang: set() for lang in LANGUAGES}
    tails: dict[str, set[str]] = {}
    longest = 1
    for concept, (_category, words) in CONCEPTS.items():
        for language, entries in words.items():
            for entry in entries:
                parts = tokens(entry)
                if not parts:
                    continue
                # written with or without accents ("Kärcher", "karcher"): both stems are keys
                for variant in (parts, [fold(p) for p in parts]):
                    key = tuple(stem(p, language) for p in variant)
                    phrases[language].setdefault(key, set()).add(concept)
                    if len(parts) == 1 and parts[0] in TITLE_ONLY:
                        title_only[language].add(key)
                longest = max(longest, len(parts))
                whole = fold(parts[-1]) if len(parts) == 1 else ""
                if language in COMPOUND_LANGUAGES and len(whole) >= COMPOUND_MIN:
                    tails.setdefault(whole, set()).add(concept)
    return Lexicon(
        {lang: {k: frozenset(v) for k, v in table.items()} for lang, table in phrases.items()},
        {lang: frozenset(v) for lang, v in title_only.items()},
        {k: frozenset(v) for k, v in tails.items()},
        longest,
    )


def category_of(concept: str) -> str:
    entry = CONCEPTS.get(concept)
    return entry[0] if entry else ""


@dataclass
class Analysis:
    """What a listing names: shipped concepts, and title words that name none (stems and whole)."""

    concepts: set[str] = field(default_factory=set)
    title_concepts: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)
    # title words left over, as (stem in the text's language, whole folded word): residents'
    # own words for the concepts of the same title (see shelves.index.learn)
    spare: list[tuple[str, str]] = field(default_factory=list)

    def terms(self) -> set[str]:
        return {f"c:{c}" for c in self.concepts} | {f"w:{w}" for w in self.words}


def _concepts_in(parts: list[str], in_title: bool) -> tuple[set[str], list[bool]]:
    """Concepts named by a run of words in any shipped language (longest phrase first)."""
    lex = lexicon()
    found: set[str] = set()
    used = [False] * len(parts)
    folded = [fold(p) for p in parts]
    for language in LANGUAGES:
        table, only = lex.phrases[language], lex.title_only[language]
        for variant in (parts, folded):
            stems = [stem(p, language) for p in variant]
            i = 0
            while i < len(stems):
                for size in range(min(lex.longest, len(stems) - i), 0, -1):
                    key = tuple(stems[i : i + size])
                    if key in table and (in_title or key not in only):
                        found |= table[key]
                        used[i : i + size] = [True] * size
                        i += size
                        break
                else:
                    i += 1
    return found, used


def _compound(word: str) -> frozenset[str]:
    """Concepts of a compound whose last part is a known word: "Aluleitern" → ladder."""
    tails = lexicon().tails
    whole = fold(word)
    for candidate in (whole, whole[:-1], whole[:-2]):  # Leitern, Leitern → Leiter, -en
        for start in range(3, len(candidate) - COMPOUND_MIN + 1):  # a prefix of 3 letters or more
            tail = candidate[start:]
            if tail in tails:
                return tails[tail]
    return frozenset()


def significant(word: str) -> bool:
    return len(word) >= 3 and not word.isdigit() and word not in REQUEST_WORDS


def analyse(title: str, description: str = "", language: str = "") -> Analysis:
    """Concepts of the title and description; spare title words as terms of their own."""
    result = Analysis()
    head = [w for w in tokens(title) if w not in REQUEST_WORDS]
    concepts, used = _concepts_in(head, in_title=True)
    result.title_concepts |= concepts
    lang = language if language in STEMMERS else "en"
    for word, taken in zip(head, used, strict=True):
        if taken:
            continue
        compound = _compound(word)
        if compound:
            result.title_concepts |= compound
            continue
        if significant(word):
            stemmed, whole = stem(word, lang), fold(word)
            result.words |= {stemmed, whole}
            result.spare.append((stemmed, whole))
    body = [w for w in tokens(description) if w not in REQUEST_WORDS]
    result.concepts = result.title_concepts | _concepts_in(body, in_title=False)[0]
    return result
