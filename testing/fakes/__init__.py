"""Loopback fake servers speaking the real HTTP protocols of OpenAI and the Graph API."""
