-- Search by meaning: what to embed and when it is stale (the product half of hybrid search
-- is in catalog.sql, the knowledge keyword half in desk.sql).

-- name: product_documents_stale
-- Products whose embedding for model $1 is missing or stale (their text changed), with the
-- text to embed: name, category, brand, description and variant names. At most $2.
WITH docs AS (
    SELECT p.id::text AS item_id,
           concat_ws('. ', p.name, p.category, p.brand, p.description,
                     (SELECT string_agg(DISTINCT pi.classification, ', ')
                        FROM product_inventory pi
                       WHERE pi.product_id = p.id AND pi.classification IS NOT NULL)) AS document
      FROM products p
)
SELECT d.item_id, d.document, md5(d.document) AS text_hash
  FROM docs d
  LEFT JOIN item_embeddings e ON e.kind = 'product' AND e.item_id = d.item_id AND e.model = $1
 WHERE e.text_hash IS DISTINCT FROM md5(d.document)
 ORDER BY d.item_id
 LIMIT $2;

-- name: knowledge_documents_stale
-- Active knowledge entries whose embedding for model $1 is missing or stale. At most $2.
SELECT k.id::text AS item_id, k.question || ' ' || k.answer AS document,
       md5(k.question || ' ' || k.answer) AS text_hash
  FROM shop_knowledge k
  LEFT JOIN item_embeddings e ON e.kind = 'knowledge' AND e.item_id = k.id::text AND e.model = $1
 WHERE k.active AND e.text_hash IS DISTINCT FROM md5(k.question || ' ' || k.answer)
 ORDER BY k.id
 LIMIT $2;

-- name: embedding_upsert
-- Store (or replace) one item's vector ($5, pgvector's text form) and the hash of its text.
INSERT INTO item_embeddings (kind, item_id, model, text_hash, embedding)
VALUES ($1, $2, $3, $4, $5::vector)
ON CONFLICT (kind, item_id, model) DO UPDATE
   SET text_hash = EXCLUDED.text_hash, embedding = EXCLUDED.embedding, updated_at = now();

-- name: embeddings_prune
-- Forget the vectors of deleted products and removed knowledge entries.
DELETE FROM item_embeddings e
 WHERE (e.kind = 'product' AND NOT EXISTS (SELECT 1 FROM products p WHERE p.id::text = e.item_id))
    OR (e.kind = 'knowledge'
        AND NOT EXISTS (SELECT 1 FROM shop_knowledge k
                         WHERE k.id::text = e.item_id AND k.active));

-- name: embedding_status
-- How many products and knowledge entries have a current vector for model $1.
-- Only vectors of products that exist and entries that are active count (a deleted one's
-- vector stays until the next refresh prunes it).
SELECT (SELECT count(*) FROM products) AS products,
       (SELECT count(*) FROM item_embeddings e JOIN products p ON p.id::text = e.item_id
         WHERE e.kind = 'product' AND e.model = $1) AS products_embedded,
       (SELECT count(*) FROM shop_knowledge WHERE active) AS knowledge,
       (SELECT count(*) FROM item_embeddings e JOIN shop_knowledge k ON k.id::text = e.item_id
         WHERE e.kind = 'knowledge' AND e.model = $1 AND k.active) AS knowledge_embedded;

-- name: vector_dimensions
-- The dimension of the stored vectors (the table's column type), if the table exists.
SELECT a.atttypmod AS dimensions
  FROM pg_attribute a
 WHERE a.attrelid = to_regclass('item_embeddings') AND a.attname = 'embedding';

-- name: knowledge_vector_candidates
-- Active knowledge entries nearest to the query's vector ($1) for model $2. $3 limit.
SELECT k.id, k.question, k.answer, k.source, e.embedding <=> $1::vector AS distance
  FROM item_embeddings e
  JOIN shop_knowledge k ON k.id = e.item_id::bigint
 WHERE e.kind = 'knowledge' AND e.model = $2 AND k.active
 ORDER BY e.embedding <=> $1::vector
 LIMIT $3;

-- name: vector_version
-- The installed pgvector's version.
SELECT extversion FROM pg_extension WHERE extname = 'vector';

-- name: embeddings_drop
-- The vectors table, dropped when the model's dimensions changed (its vectors are made again).
DROP TABLE item_embeddings;

-- name: embeddings_forget
-- Every vector of the model $1 (`flask embeddings rebuild --all`).
DELETE FROM item_embeddings WHERE model = $1;
