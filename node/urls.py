"""The only builder of public URLs and ActivityPub ids; used by web and activitypub alike."""

from __future__ import annotations

from urllib.parse import quote, urlsplit


class Urls:
    """Absolute URLs of this node, from its public base URL."""

    def __init__(self, public_url: str) -> None:
        self.base = public_url.rstrip("/")
        parts = urlsplit(self.base)
        self.host = parts.netloc
        self.scheme = parts.scheme

    def absolute(self, path: str) -> str:
        return self.base + path

    def is_local(self, url: str) -> bool:
        return url == self.base or url.startswith(self.base + "/")

    # people and places (actors share one namespace of handles)
    def actor(self, handle: str) -> str:
        return f"{self.base}/@{quote(handle)}"

    def resident(self, username: str) -> str:
        return self.actor(username)

    def quarter(self, slug: str) -> str:
        return self.actor(slug)

    def shelf(self, username: str) -> str:
        """A resident's public shelf: what the QR code of their letterbox sticker opens."""
        return f"{self.actor(username)}/shelf"

    def quarter_invite(self, slug: str) -> str:
        """Sign-up naming a quarter (public posters); it grants nothing: invitations are node/local/invites.py."""
        return f"{self.base}/signup?quarter={quote(slug)}"

    def organisation(self, handle: str) -> str:
        return self.actor(handle)

    def inbox(self, handle: str) -> str:
        return f"{self.actor(handle)}/inbox"

    def outbox(self, handle: str) -> str:
        return f"{self.actor(handle)}/outbox"

    def followers(self, handle: str) -> str:
        return f"{self.actor(handle)}/followers"

    def following(self, handle: str) -> str:
        return f"{self.actor(handle)}/following"

    def key(self, handle: str) -> str:
        return f"{self.actor(handle)}#main-key"

    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    # things
    def listing(self, listing_id: int) -> str:
        return f"{self.base}/listings/{listing_id}"

    def event(self, event_id: int) -> str:
        return f"{self.base}/events/{event_id}"

    def loan(self, loan_id: int) -> str:
        return f"{self.base}/loans/{loan_id}"

    def comment(self, comment_id: int) -> str:
        return f"{self.base}/comments/{comment_id}"

    def message(self, message_id: int) -> str:
        return f"{self.base}/messages/{message_id}"

    def activity(self, token: str) -> str:
        return f"{self.base}/activities/{token}"

    def media(self, name: str) -> str:
        return f"{self.base}/media/{quote(name)}"
