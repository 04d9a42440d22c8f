"""Residents: sign-up, log-in checks, API tokens, profile basics."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

import peewee as pw

from node.i18n import _, is_language
from node.local.errors import Invalid, NotFound
from node.local.models import ApiToken, Resident, utcnow
from node.local.quarters import check_handle, find_quarter, get_quarter
from node.local.tx import ResidentJoined, Tx

if TYPE_CHECKING:
    from argon2 import PasswordHasher

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


@functools.cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher  # loaded with the first password, not at start

    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_matches(stored: str, password: str) -> bool:
    if not stored:
        return False
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class SignupDraft:
    """Validated sign-up input."""

    username: str
    display_name: str
    email: str
    password: str
    language: str

    @classmethod
    def parse(cls, data: dict[str, str]) -> SignupDraft:
        errors: dict[str, str] = {}
        username = (data.get("username") or "").strip().lower()
        email = (data.get("email") or "").strip()
        password = data.get("password") or ""
        language = (data.get("language") or "").strip()
        display_name = (data.get("display_name") or "").strip()[:120]
        if not username:
            errors["username"] = _("Choose a user name.")
        if not EMAIL.match(email):
            errors["email"] = _("Enter a valid e-mail address.")
        if len(password) < MIN_PASSWORD:
            errors["password"] = _("Use at least %(n)d characters.", n=MIN_PASSWORD)
        if language and not is_language(language):
            errors["language"] = _("Unknown language.")
        if errors:
            raise Invalid(_("Please correct the marked fields."), errors)
        return cls(username, display_name or username, email, password, language)


def sign_up(
    tx: Tx,
    draft: SignupDraft,
    role: str = "resident",
    quarter_slug: str | None = None,
    verified: bool = False,
    password_hash: str | None = None,
    allow_reserved: bool = False,
) -> Resident:
    _check_free(draft, allow_reserved)
    quarter = get_quarter(quarter_slug) if quarter_slug else None
    fields = dict(
        username=draft.username,
        display_name=draft.display_name,
        email=draft.email.lower(),
        password_hash=password_hash or hash_password(draft.password),
        language=draft.language,
        role=role,
        quarter=quarter,
        verification="approved" if verified else "none",
        verified_at=tx.now if verified else None,
        created_at=tx.now,
    )
    try:
        # a savepoint: when a concurrent sign-up took the name or the e-mail first, the unique
        # index refuses this row and the transaction stays usable for the clear answer below
        with Resident._meta.database.atomic():
            resident = Resident.create(**fields)
    except pw.IntegrityError:
        _check_free(draft)  # the same answer as when the other sign-up came first
        raise
    tx.record(ResidentJoined(resident.id))
    return resident


def _check_free(draft: SignupDraft, allow_reserved: bool = False) -> None:
    """Refuse a taken user name, then a taken e-mail address (always in this order).

    The e-mail is read first: if a concurrent sign-up commits in between, the name check
    (read second) sees it too, so the answer does not depend on the timing."""
    email_used = email_taken(draft.email)
    try:
        check_handle(draft.username, allow_reserved=allow_reserved)
    except Invalid as exc:
        raise Invalid(exc.message, {"username": exc.message}) from None
    if email_used:
        raise _email_taken_error()


def email_taken(email: str) -> bool:
    return Resident.select().where(Resident.email == email.strip().lower()).exists()


def _email_taken_error() -> Invalid:
    message = _("An account already uses this e-mail address.")
    return Invalid(message, {"email": message})


def get_local(username: str) -> Resident:
    resident = Resident.get_or_none(
        (Resident.username == username.lower())
        & (Resident.host == "")
        & Resident.deleted_at.is_null()
    )
    if resident is None:
        raise NotFound(_("No such resident."))
    return resident


def known(handle: str) -> Resident:
    """A resident this node already knows: a local username or `@name@host`."""
    name = handle.strip().lstrip("@")
    if "@" not in name:
        return get_local(name)
    user, host = name.split("@", 1)
    found = Resident.get_or_none(
        (Resident.username == user.lower())
        & (Resident.host == host.lower())
        & Resident.deleted_at.is_null()
    )
    if found is None:
        raise NotFound(_("No such resident."))
    return found


def get_by_id(resident_id: int) -> Resident | None:
    return (
        Resident.select()
        .where((Resident.id == resident_id) & Resident.deleted_at.is_null())
        .first()
    )


def find_login(login: str) -> Resident | None:
    login = login.strip().lower()
    query = Resident.select().where((Resident.host == "") & Resident.deleted_at.is_null())
    if "@" in login:
        return query.where(Resident.email == login).first()
    return query.where(Resident.username == login).first()


def check_password(login: str, password: str) -> Resident | None:
    """The resident if login and password match, else None (the caller rate-limits)."""
    resident = find_login(login)
    if resident is None:
        _hasher().hash(password)  # spend the same time, so names cannot be probed by timing
        return None
    return resident if password_matches(resident.password_hash, password) else None


def place(
    tx: Tx,
    resident: Resident,
    address: str,
    postcode: str,
    city: str,
    lat: float | None,
    lon: float | None,
) -> Resident:
    """Record a resident's private address and position and attach them to the matching quarter.

    `resident` may have been read before this transaction (the request's own row): only the
    address columns are written, so a role change or a suspension made meanwhile stays."""
    values: dict = {
        "address": address.strip(),
        "postcode": postcode.strip(),
        "city": city.strip(),
        "lat": lat,
        "lon": lon,
    }
    quarter = find_quarter(values["postcode"], lat, lon)
    if quarter is not None:
        values["quarter"] = quarter
    Resident.update(**values).where(Resident.id == resident.id).execute()
    return Resident.get_by_id(resident.id)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(tx: Tx, resident_id: int, name: str = "") -> str:
    """Create a personal API token; only its hash is kept, so it is shown once."""
    token = "qt_" + secrets.token_urlsafe(32)
    ApiToken.create(
        resident=resident_id, token_hash=_token_hash(token), name=name, created_at=tx.now
    )
    return token


TOKEN_USE_PRECISION = dt.timedelta(minutes=1)


def resident_for_token(token: str) -> Resident | None:
    row = (
        ApiToken.select(ApiToken, Resident)
        .join(Resident)
        .where((ApiToken.token_hash == _token_hash(token)) & Resident.deleted_at.is_null())
        .first()
    )
    if row is None:
        return None
    now = utcnow()
    # the settings page shows it to the minute: one write a minute, not one for every request
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_PRECISION:
        ApiToken.update(last_used_at=now).where(ApiToken.id == row.id).execute()
    return row.resident


# ---------------------------------------------------------------- people of other nodes


def remote_stub(
    ref: str, host: str, username: str, display_name: str, profile_url: str, suffix: str
) -> Resident:
    """The Resident standing for a person of another node, keyed by `ref` (their actor id);
    created on first need. A username already taken on that host gets `_suffix`."""
    resident = Resident.get_or_none(Resident.external_ref == ref)
    if resident is not None:
        return resident
    taken = Resident.select().where((Resident.username == username[:64]) & (Resident.host == host))
    if taken.exists():
        username = f"{username[:50]}_{suffix}"
    return Resident.create(
        username=username[:64],
        host=host,
        display_name=display_name[:120],
        external_ref=ref,
        profile_url=profile_url,
        verification="approved",
    )


def update_remote(resident_id: int, display_name: str, profile_url: str) -> None:
    """A person of another node changed their profile (their server said so)."""
    Resident.update(display_name=display_name[:120], profile_url=profile_url).where(
        Resident.id == resident_id
    ).execute()


def forget_remote(ref: str) -> bool:
    """A person of another node was deleted there: their stub goes, with what they wrote here."""
    resident = Resident.get_or_none(Resident.external_ref == ref)
    if resident is None:
        return False
    resident.delete_instance(recursive=True)  # listings, events, comments of the stub
    return True
