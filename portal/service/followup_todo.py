"""What waits for the clerk after repairs: calls due, open complaints, open entitlements."""

from datetime import datetime

from portal.core.queues import TILE_CAP, piles
from portal.service.queues import COMPLAINTS, FLAGS, VISITS


def clerk_todo(user, now: datetime) -> dict[str, dict]:
    """The follow-up queues: each one's count (up to ``TILE_CAP``) and oldest item, and the list
    it links to."""
    shown = {"visits": VISITS, "complaints": COMPLAINTS, "flags": FLAGS}
    found = piles(list(shown.values()), user, now, cap=TILE_CAP)
    return {name: {"count": pile.count, "more": pile.more, "oldest": pile.oldest,
                   "url": queue.url()}
            for (name, queue), pile in zip(shown.items(), found, strict=True)}
