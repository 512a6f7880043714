"""The Messenger channel: everything that speaks Meta's formats or calls the Graph API.

The webhook (signature check, body decoding, typed events, one durable job per event), the
event task (inbox dedup → conversation → outbox → Send API, and the staff's reminders),
the inbox and outbox records, delivery exactly once, replies as Send API parts, the Page's
profile, and Meta's data deletion callback. What to answer is decided below, in
conversation/, without Messenger's formats.
"""
