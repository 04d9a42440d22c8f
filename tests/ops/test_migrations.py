"""Migrations build the schema from an empty database and upgrade an older one keeping every row."""

import datetime as dt

import pytest

from node import migrations
from node.db import Database
from node.local.accounts.password_reset import PasswordReset
from node.local.events.models import EVENT_MODELS
from node.local.listings.models import LISTING_MODELS, Category
from node.local.loans.models import LOAN_MODELS
from node.local.messages.models import MESSAGE_MODELS
from node.local.models import CORE_MODELS, ApiToken, Quarter, Resident
from node.local.moderation.models import MODERATION_MODELS
from node.local.notifications.models import NOTIFICATION_MODELS
from node.local.ratelimit import Attempt
from node.local.verification import VERIFICATION_MODELS, AddressProof


@pytest.fixture
def database(database_url):
    db = Database(database_url("migrations"))
    db.bind_here()
    yield db
    db.close()


def test_empty_database_gets_every_table(database):
    ran = migrations.apply(database.peewee)
    assert ran == migrations.available()
    assert ran[:4] == [
        "0001_initial",
        "0002_sharing",
        "0003_address_proofs",
        "0004_password_resets",
    ]
    seeded = {"Category"}  # 0010 seeds the built-in rubriques
    domain = LISTING_MODELS + LOAN_MODELS + EVENT_MODELS + MESSAGE_MODELS + NOTIFICATION_MODELS
    domain += MODERATION_MODELS + VERIFICATION_MODELS + [PasswordReset, Attempt]
    for model in CORE_MODELS + domain:
        if model.__name__ not in seeded:
            assert model.select().count() == 0, model.__name__
    assert Category.select().where(Category.builtin == True).count() >= 14  # noqa: E712
    assert migrations.apply(database.peewee) == []  # nothing left to do
    assert migrations.pending(database.peewee) == []


def test_previous_schema_database_keeps_its_rows(database):
    db = database.peewee
    assert migrations.apply(db, upto="0001_initial") == ["0001_initial"]
    p = db.param
    created = dt.datetime(2025, 5, 1, 12, 0)
    # Given a node of the first schema with a quarter, a resident and a token (raw SQL, no models)
    db.execute_sql(
        f"INSERT INTO quarter (slug, name, description, postcodes, rural, country, language, "
        f"approve_follows, created_at) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})",
        ("ancien", "Ancien quartier", "", "35400", False, "FR", "fr", False, created),
    )
    quarter_id = db.execute_sql("SELECT id FROM quarter WHERE slug = 'ancien'").fetchone()[0]
    db.execute_sql(
        "INSERT INTO resident (username, host, display_name, email, password_hash, language, role, "
        "quarter_id, address, postcode, city, verification, bio, skills, languages_spoken, avatar, "
        "session_version, profile_url, created_at) VALUES "
        f"({', '.join([p] * 19)})",
        (
            "louise",
            "",
            "Louise",
            "louise@example.test",
            "x",
            "fr",
            "moderator",
            quarter_id,
            "1 quai",
            "35400",
            "Saint-Malo",
            "approved",
            "",
            "",
            "",
            "",
            1,
            "",
            created,
        ),
    )
    resident_id = db.execute_sql("SELECT id FROM resident WHERE username = 'louise'").fetchone()[0]
    db.execute_sql(
        f"INSERT INTO api_token (resident_id, token_hash, name, created_at) VALUES ({p}, {p}, {p}, {p})",
        (resident_id, "a" * 64, "old token", created),
    )
    # When the node upgrades
    ran = migrations.apply(db)
    assert ran == migrations.available()[1:]
    # Then every row is still there, and the new tables work with the old rows
    louise = Resident.get(Resident.username == "louise")
    assert louise.quarter_id == quarter_id and louise.role == "moderator"
    assert louise.address == "1 quai" and louise.created_at == created
    assert Quarter.get(Quarter.slug == "ancien").postcode_list() == ["35400"]
    assert ApiToken.get().name == "old token"
    proof = AddressProof.create(resident=louise.id, mime="application/pdf", size=10)
    assert proof.state == "pending"
