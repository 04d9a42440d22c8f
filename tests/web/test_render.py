"""node/web/render.py: static URLs carry the version of their file, worked out once."""

import re

from node.web import render


async def test_pages_link_static_files_by_version_and_the_links_are_served(client):
    page = await (await client.get("/")).text()
    links = re.findall(r'"(/static/[^"?]+\?v=[^"]+)"', page)
    assert any(link.startswith("/static/css/quartier.css?v=") for link in links)
    router = client.server.app.router["static"]
    for link in links:
        path = link.split("?")[0].removeprefix("/static/")
        assert link == str(router.url_for(filename=path))  # what aiohttp would have written
        assert (await client.get(link)).status == 200
    render._static_url.cache_clear()
    again = await (await client.get("/")).text()
    assert re.findall(r'"(/static/[^"?]+\?v=[^"]+)"', again) == links
