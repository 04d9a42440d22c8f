"""Node settings: one frozen object read from QUARTIER_* variables and an optional TOML file."""

from __future__ import annotations

import dataclasses
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from node import files


class SettingsError(ValueError):
    """A setting has an invalid value; the message names the variable."""


def _opt(default: Any, help: str, **extra: Any) -> Any:
    return field(default=default, metadata={"help": help, **extra})


@dataclass(frozen=True)
class Settings:
    """Every option of a node. Environment variables are QUARTIER_<FIELD IN UPPER CASE>."""

    public_url: str = _opt(
        "http://127.0.0.1:8080",
        "Public base URL of the node; it forms every public URL and ActivityPub id.",
    )
    data_dir: str = _opt("./data", "Folder for the SQLite database, uploads and the secret key.")
    database_url: str = _opt(
        "",
        "Database URL: empty for SQLite in the data dir, sqlite:///path.db, or "
        "postgresql://user:password@host:5432/name (optional ?schema=name).",
    )
    secret_key: str = _opt(
        "",
        "Secret used to sign cookies and encrypt documents; generated and stored in the data "
        "dir when empty.",
    )
    default_language: str = _opt("fr", "Language of pages when neither resident nor browser says.")
    node_name: str = _opt("Quartier", "Name of this node, shown in pages and NodeInfo.")
    node_description: str = _opt("", "One-line description of the node (NodeInfo, home page).")
    node_country: str = _opt("", "ISO 3166 country code of the node's quarters (e.g. FR, DE).")
    open_registrations: bool = _opt(True, "Whether anyone may sign up.")
    unverified_can_publish: bool = _opt(
        False, "Let residents publish and contact others before their address is verified."
    )
    trust_twin_verification: bool = _opt(
        True,
        "Residents of twinned quarters whose address their own quarter verified (a signed "
        "attestation on their actor) may borrow, RSVP and message here without a second proof; "
        "false: they cannot.",
    )
    ambassadors_can_verify: bool = _opt(
        False, "Let ambassadors approve proofs of address in their quarter."
    )
    smtp_host: str = _opt("", "SMTP server host; empty keeps mail queued in the outbox.")
    smtp_port: int = _opt(25, "SMTP server port.")
    smtp_username: str = _opt("", "SMTP user name, if the server needs one.")
    smtp_password: str = _opt("", "SMTP password.", secret=True)
    smtp_starttls: bool = _opt(False, "Upgrade the SMTP connection with STARTTLS.")
    smtp_tls: bool = _opt(False, "Connect to the SMTP server over TLS (port 465 style).")
    mail_from: str = _opt("quartier@localhost", "Sender address of the node's e-mail.")
    run_workers: bool = _opt(
        True, "Run the background workers (delivery, inbox, mail) inside `quartier serve`."
    )
    max_upload_bytes: int = _opt(10 * 1024 * 1024, "Largest accepted upload, in bytes.")
    max_image_pixels: int = _opt(
        25_000_000,
        "Largest accepted image, in pixels (width × height, read from the header before "
        "decoding); larger photos and avatars are refused with a clear message.",
    )
    image_workers: int = _opt(
        2, "Threads that decode and re-encode images, off the database threads."
    )
    image_memory_mb: int = _opt(
        128,
        "Memory the image threads may fill with decoded pixels at once, in MB; uploads beyond "
        "it wait their turn (one larger image runs alone).",
    )
    max_inbox_bytes: int = _opt(1_000_000, "Largest accepted ActivityPub POST body, in bytes.")
    signature_skew_seconds: int = _opt(
        3600, "Accepted clock difference for signed requests (Date window), in seconds."
    )
    allow_private_addresses: bool = _opt(
        False, "Allow federation with loopback and private addresses (test federations only)."
    )
    allow_http: bool = _opt(
        False, "Accept plain http:// ids and WebFinger over http (test federations only)."
    )
    delivery_max_days: int = _opt(
        3, "Days an undelivered activity is retried before it is given up (failed)."
    )
    unavailable_after_days: int = _opt(
        7, "Distinct days of failed deliveries after which a host is skipped until it answers."
    )
    http_timeout_seconds: int = _opt(
        10, "Total timeout of one outbound federation request (fetch or delivery), in seconds."
    )
    sign_processes: int = _opt(
        -1,
        "Helper processes that make the RSA signatures of outgoing deliveries on other cores; "
        "0 signs in the serving process, -1 picks one per spare core (at most two).",
    )
    queue_lease_seconds: int = _opt(
        30,
        "Lease of a claimed queue row (delivery, inbox item, mail), renewed by its worker every "
        "sixth of it; a dead worker's rows are taken over after it, in seconds.",
    )
    login_attempts: int = _opt(
        5,
        "Failed log-ins allowed per (account, address) pair within the lock window "
        "(see docs/accounts.md).",
    )
    login_window_seconds: int = _opt(900, "Lock window of the log-in rate limit, in seconds.")
    session_days: int = _opt(30, "How long a log-in session lasts, in days.")
    trusted_proxies: str = _opt(
        "",
        "Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated).",
    )
    secure_cookies: bool = _opt(
        False,
        "Mark cookies Secure (set true behind HTTPS); defaults to true for https public URLs.",
    )
    listing_days: int = _opt(60, "Days before a listing expires unless renewed.")
    default_reach: str = _opt(
        "quarter",
        "Default reach of new listings and events: quarter, nearby, twins or public.",
        choices=("quarter", "nearby", "twins", "public"),
    )
    tile_url: str = _opt(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "Map tile URL template; empty shows markers without a background map.",
    )
    tile_attribution: str = _opt(
        "© OpenStreetMap contributors", "Attribution text shown under the map."
    )
    geocoder_url: str = _opt(
        "",
        "Optional geocoder: a Nominatim /search or Photon /api URL; empty: postcode or a typed position.",
    )
    templates_override_dir: str = _opt(
        "", "Folder of templates that override the built-in ones (same file names)."
    )
    event_loop: str = _opt(
        "asyncio",
        "Event loop of serve and worker: asyncio, or uvloop (pip install quartier[uvloop]).",
        choices=("asyncio", "uvloop"),
    )
    log_level: str = _opt(
        "INFO",
        "Logging level: DEBUG, INFO, WARNING or ERROR.",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
    )

    @property
    def host(self) -> str:
        """Host (with port when not default) of the public URL."""
        return urlsplit(self.public_url).netloc

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{Path(self.data_dir) / 'quartier.db'}"

    @property
    def cookies_secure(self) -> bool:
        return self.secure_cookies or self.public_url.startswith("https://")

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def env_name(name: str) -> str:
    return f"QUARTIER_{name.upper()}"


def _convert(f: dataclasses.Field, raw: Any, source: str) -> Any:
    kind = f.type if isinstance(f.type, type) else {"str": str, "int": int, "bool": bool}[f.type]
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off", ""}:
            return False
        raise SettingsError(f"{source}: expected true or false, got {raw!r}")
    if kind is int:
        if isinstance(raw, bool):
            raise SettingsError(f"{source}: expected a whole number, got {raw!r}")
        try:
            return int(str(raw).strip())
        except ValueError:
            raise SettingsError(f"{source}: expected a whole number, got {raw!r}") from None
    if not isinstance(raw, str | int | float):
        raise SettingsError(f"{source}: expected text, got {raw!r}")
    return str(raw)


def _validate(s: Settings) -> None:
    import ipaddress

    for part in s.trusted_proxies.split(","):
        try:
            if part.strip():
                ipaddress.ip_network(part.strip(), strict=False)
        except ValueError:
            raise SettingsError(
                f"{env_name('trusted_proxies')}: expected addresses or networks, got {part!r}"
            ) from None
    parts = urlsplit(s.public_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path not in {"", "/"}:
        raise SettingsError(
            f"{env_name('public_url')}: expected http(s)://host[:port] without a path, "
            f"got {s.public_url!r}"
        )
    if s.database_url and not s.database_url.startswith(
        ("sqlite:", "postgres://", "postgresql://")
    ):
        raise SettingsError(
            f"{env_name('database_url')}: expected sqlite:///file or postgresql://…, "
            f"got {s.database_url!r}"
        )
    for f in dataclasses.fields(s):
        choices = f.metadata.get("choices")
        if choices and getattr(s, f.name) not in choices:
            raise SettingsError(
                f"{env_name(f.name)}: expected one of {', '.join(choices)}, "
                f"got {getattr(s, f.name)!r}"
            )
    for name in (
        "smtp_port",
        "max_upload_bytes",
        "max_inbox_bytes",
        "login_attempts",
        "max_image_pixels",
        "image_workers",
        "image_memory_mb",
        "queue_lease_seconds",
    ):
        if getattr(s, name) <= 0:
            raise SettingsError(f"{env_name(name)}: must be positive")
    if s.sign_processes < -1:
        raise SettingsError(f"{env_name('sign_processes')}: expected -1 (automatic), 0 or more")
    if s.default_language not in {"fr", "en", "de", "it"}:
        raise SettingsError(
            f"{env_name('default_language')}: expected fr, en, de or it, got {s.default_language!r}"
        )


def load_settings(
    environ: dict[str, str] | None = None,
    file: str | Path | None = None,
    **overrides: Any,
) -> Settings:
    """Build Settings from a TOML file, then QUARTIER_* variables, then keyword overrides."""
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {}
    if file:
        try:
            data = tomllib.loads(Path(file).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SettingsError(f"--config: no such file {str(file)!r}") from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"--config: invalid TOML in {file}: {exc}") from None
        for key, raw in data.items():
            name = key.lower()
            if name not in fields:
                raise SettingsError(f"{file}: unknown setting {key!r}")
            values[name] = _convert(fields[name], raw, f"{file}: {key}")
    for key, raw in (environ or {}).items():
        if not key.startswith("QUARTIER_"):
            continue
        name = key[len("QUARTIER_") :].lower()
        if name not in fields:
            continue
        values[name] = _convert(fields[name], raw, key)
    for name, raw in overrides.items():
        if name not in fields:
            raise SettingsError(f"unknown setting {name!r}")
        values[name] = _convert(fields[name], raw, env_name(name))
    if isinstance(values.get("log_level"), str):
        values["log_level"] = values["log_level"].upper()
    settings = Settings(**values)
    _validate(settings)
    return settings


def ensure_secret_key(settings: Settings) -> Settings:
    """Return settings with a secret key, generating and storing one in the data dir if needed."""
    if settings.secret_key:
        return settings
    path = Path(settings.data_dir) / "secret_key"
    files.private_dir(path.parent)
    if not files.create_once(path, secrets.token_urlsafe(48).encode()):
        files.make_private(path)
    return settings.replace(secret_key=path.read_text(encoding="utf-8").strip())
