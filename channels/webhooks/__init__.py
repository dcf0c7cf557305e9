"""Provider webhooks: signature verification, normalization into provider events, aiohttp handlers."""
