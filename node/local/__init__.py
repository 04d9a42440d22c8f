"""The neighbourhood domain. It imports nothing of aiohttp, node.web or node.activitypub."""
