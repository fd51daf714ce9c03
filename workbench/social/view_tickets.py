"""View tickets: the feed page hands the browser a ticket naming who watches which clip in which
showing, and the browser's watch reports carry it back over plain HTTP. A report then needs no
app session and starts no script rerun (a rerun that reached the server after a page switch left
the new page blank), and nobody can report a view in another person's name: the ticket is signed
with a key only this process holds (HMAC-SHA256, RFC 2104), so it dies with the process.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass

from workbench.errors import Forbidden

MAX_TICKET_CHARS = 1024


@dataclass(frozen=True)
class ViewTicket:
    viewer: str
    video_id: int
    view_key: str
    feed_policy: str | None = None
    #: the For You page it was shown on, its slot there and its propensities (FeedItem's)
    page_key: str | None = None
    slot: int | None = None
    propensity: float | None = None
    targets: dict[str, float] | None = None


def _signature(key: bytes, payload: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def sign_ticket(key: bytes, ticket: ViewTicket) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(asdict(ticket), sort_keys=True).encode()).decode()
    return f"{payload}.{_signature(key, payload.encode())}"


def read_ticket(key: bytes, text: object) -> ViewTicket:
    """The ticket ``text`` carries, if this key signed it; else Forbidden (never a partial read)."""
    if not isinstance(text, str) or len(text) > MAX_TICKET_CHARS or text.count(".") != 1:
        raise Forbidden("not a view ticket")
    payload, signature = text.split(".")
    if not hmac.compare_digest(signature, _signature(key, payload.encode())):
        raise Forbidden("the view ticket's signature does not match")
    return ViewTicket(**json.loads(base64.urlsafe_b64decode(payload)))
