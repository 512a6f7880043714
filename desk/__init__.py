"""Ask the shop: the shop's knowledge, escalations to staff, and handing a chat to a person.

Channel-agnostic: it decides *what* to say to whom (`Outgoing` messages) and records
it in PostgreSQL; `messenger/` turns those messages into Send API calls.
"""
