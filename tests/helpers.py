"""Helpers shared by tests that drive pages."""

import re


def walk_pages(client, url: str, link_text: str) -> list[str]:
    """Follow a list's "show more" links as htmx does; return every row link text seen."""
    seen = []
    while url:
        body = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        seen += re.findall(rf">({link_text})</a>", body)
        match = re.search(r'hx-get="([^"]+)"', body)
        url = match.group(1).replace("&amp;", "&") if match else None
    return seen
