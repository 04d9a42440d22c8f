"""The shipped vocabulary holds together: every word names its concept in every language."""

from __future__ import annotations

import datetime as dt

from node.local.shelves.matching import _stale
from node.local.shelves.vocabulary import CONCEPTS, LANGUAGES
from node.local.shelves.words import analyse, fold


def test_every_concept_speaks_every_shipped_language():
    assert len(CONCEPTS) >= 40
    for concept, (category, words) in CONCEPTS.items():
        assert category, concept
        assert set(words) == set(LANGUAGES), concept
        assert all(words[lang] for lang in LANGUAGES), concept


def test_every_word_names_its_concept_as_a_title_whatever_its_language_tag():
    wrong = []
    for concept, (_category, words) in CONCEPTS.items():
        for language, entries in words.items():
            for entry in entries:
                for tag in (language, ""):  # tagged, or a text whose language is unknown
                    if concept not in analyse(entry, "", tag).concepts:
                        wrong.append((concept, language, entry, tag))
    assert wrong == []


def test_accents_case_and_plurals_do_not_matter():
    assert analyse("ECHELLES", "", "fr").concepts == {"ladder"}
    assert analyse("Leitern", "", "de").concepts == {"ladder"}
    assert analyse("machine a coudre", "", "").concepts == {"sewing_machine"}
    assert analyse("Escaleras", "", "es").concepts == {"ladder"}
    assert fold("Säge Œuvre Straße") == "sage oeuvre strasse"


def test_longest_phrase_wins_and_words_that_are_not_objects_are_left_out():
    assert analyse("Pompe à vélo", "", "fr").concepts == {"bike_pump"}
    assert analyse("Cherche vélo", "", "fr").concepts == {"bicycle"}
    found = analyse("Suche Leiter bitte dringend", "", "de")
    assert found.concepts == {"ladder"} and found.words == set()
    # a vocabulary word that is also a common verb counts in a title only
    assert analyse("Help", "I saw your post", "en").concepts == set()
    assert analyse("Saw", "", "en").concepts == {"saw"}
    # description concepts count, its other words do not become terms
    found = analyse("Travaux", "il me faudrait une échelle et un escabeau", "fr")
    assert found.concepts == {"ladder"} and "travaux" in found.words
    assert not any(w.startswith(("faudr", "escab")) for w in found.words)


def test_an_old_request_from_a_twin_is_not_announced():
    now = dt.datetime(2026, 12, 1, 12, 0)
    assert _stale("2026-10-01T12:00:00.000000Z", now)
    assert not _stale("2026-11-20T12:00:00.000000Z", now)
    assert not _stale("", now) and not _stale("garbage", now)
