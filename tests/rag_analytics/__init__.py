"""The owner analytics contract (tools/rag_analytics.py), one module per tool.

Pinned against a real PostgreSQL with hand-computed numbers: the datasets and their
arithmetic are documented in tests/analytics_data.py. In comments, T is today in the shop's
zone (Asia/Ho_Chi_Minh, UTC+7) and T-n is n days before it; O1..O11 are the main dataset's
orders.
"""
