"""Search by meaning: embeddings (pgvector) fused with PostgreSQL full text."""
