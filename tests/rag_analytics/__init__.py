"""The owner analytics contract (tools/rag_analytics.py), one module per tool."""
