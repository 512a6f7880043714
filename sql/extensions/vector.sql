-- Optional: embeddings for search by meaning (pgvector). Applied by search.index only where
-- the server offers the `vector` extension, never from schema.sql: without it, search is
-- full text + case-insensitive matching with the same results' shape.
-- {dimensions} is EMBEDDING_DIMENSIONS, an integer from the validated settings.
-- Idempotent: applying it twice is a no-op.

CREATE EXTENSION IF NOT EXISTS vector;

-- One vector per item (a product or a knowledge entry) and model, with a hash of the text
-- it embeds: a row whose text changed (whoever changed it) is stale and embedded again.
CREATE TABLE IF NOT EXISTS item_embeddings (
    kind       text NOT NULL CHECK (kind IN ('product', 'knowledge')),
    item_id    text NOT NULL,
    model      text NOT NULL,
    text_hash  text NOT NULL,
    embedding  vector({dimensions}) NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, item_id, model)
);

-- Nearest products by cosine distance (knowledge entries are few: scanned).
CREATE INDEX IF NOT EXISTS item_embeddings_product_hnsw_idx
    ON item_embeddings USING hnsw (embedding vector_cosine_ops)
    WHERE kind = 'product';
