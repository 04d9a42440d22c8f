"""Who may try a password, how often: limits that slow guessing and never lock out the owner.

The numbers (failures counted in the database, so they hold across processes):

- per (account, address): `login_attempts` failures (default 5) within `login_window_seconds`
  (default 15 minutes) stop that address trying that account until the window has passed;
- per address, over every account: ADDRESS_FAILURES (30) within ADDRESS_WINDOW (1 hour) stop that
  address trying any account (it only ever stops the address that failed);
- per account, over every address: past ACCOUNT_FAILURES (50) within ACCOUNT_WINDOW (1 hour) the
  account is "under attack": an address the owner has not logged in from lately (see
  logins.is_known_address) then gets one try per (account, address) per window instead of five.
  The account itself is never locked: the owner's known addresses keep their five tries, and a
  fresh address with the right password gets in at its first try.

A single attacker (one address) can lock only their own address; failures from other addresses
are counted, never turned into a lock on someone else."""

from __future__ import annotations

import datetime as dt

from node.local.accounts import sessions as login_sessions
from node.local.models import Resident, utcnow
from node.local.ratelimit import Attempt

ADDRESS_FAILURES = 30
ADDRESS_WINDOW = 3600
ACCOUNT_FAILURES = 50
ACCOUNT_WINDOW = 3600


def _count(key: str, window_seconds: int, now: dt.datetime) -> int:
    since = now - dt.timedelta(seconds=window_seconds)
    return Attempt.select().where((Attempt.key == key) & (Attempt.at >= since)).count()


def account_key(login: str, resident: Resident | None) -> str:
    """Failures count per account (by id) however it was named; unknown names by their text."""
    return f"acct:{resident.id}" if resident else f"name:{login.strip().lower()[:200]}"


def keys(account: str, address: str) -> dict[str, str]:
    address = (address or "")[:64]
    return {
        "pair": f"pair:{account}|{address}",
        "address": f"addr:{address}",
        "account": account,
    }


def is_limited(
    account: str, resident: Resident | None, address: str, attempts: int, window: int
) -> bool:
    """Whether this address must wait before trying this account again."""
    now = utcnow()
    k = keys(account, address)
    if _count(k["address"], ADDRESS_WINDOW, now) >= ADDRESS_FAILURES:
        return True
    pair_failures = _count(k["pair"], window, now)
    if pair_failures >= attempts:
        return True
    if pair_failures and _count(k["account"], ACCOUNT_WINDOW, now) >= ACCOUNT_FAILURES:
        known = resident is not None and login_sessions.is_known_address(resident.id, address, now)
        return not known
    return False


def failed(account: str, address: str) -> None:
    now = utcnow()
    Attempt.insert_many(
        [{"key": key, "at": now} for key in keys(account, address).values()]
    ).execute()
    Attempt.delete().where(Attempt.at < now - dt.timedelta(days=1)).execute()


def succeeded(account: str, address: str) -> None:
    """The right password: this address's failures on this account are forgotten."""
    Attempt.delete().where(Attempt.key == keys(account, address)["pair"]).execute()
