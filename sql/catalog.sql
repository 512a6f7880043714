-- Shopper-facing catalog queries: prices and in-stock yes/no, never stock counts,
-- costs or sales. Product search is hybrid (search/hybrid.py fuses the two halves): full
-- text over products.search_vector — words as written and accent-folded, so "tra sua"
-- finds "Trà Sữa" — and, where pgvector is installed, the nearest product vectors.

-- name: product_keyword_candidates
-- The full-text half of product search, bounded for large catalogs. Candidates: products
-- whose name the query begins or is ($3: the folded query; $4: it LIKE-escaped, for the
-- index on name_folded), products named whole in the query ($5: the query's word n-grams),
-- and up to 300 full-text matches ($1: an OR of word groups, each word also as a prefix
-- and with its synonyms). Best first: a name the query is or begins, the query's words in a
-- name, most groups matched ($2: the groups), rank. Filters in the same query: $6 category,
-- $7 brand (ILIKE patterns), $8 max price, $9 in stock only (a product the query names is
-- kept anyway). $10 limit. $11: the groups that name things (how many a product matches).
WITH groups AS (  -- each group parsed once, not once a row
    SELECT to_tsquery('simple', g.words) AS tq, g.words = ANY ($11::text[]) AS thing
      FROM unnest($2::text[]) AS g(words)
),
pool AS (
    (SELECT p.id FROM products p WHERE p.name_folded LIKE $4 || '%' ESCAPE '\' LIMIT 20)
    UNION
    (SELECT p.id FROM products p WHERE p.name_folded = ANY ($5::text[]) LIMIT 20)
    UNION
    (SELECT p.id FROM products p WHERE p.search_vector @@ to_tsquery('simple', $1) LIMIT 300)
),
scored AS (
    SELECT p.id, p.name, p.name_folded,
           ts_rank(p.search_vector, to_tsquery('simple', $1)) AS rank,
           (SELECT count(*) FROM groups g WHERE p.search_vector @@ g.tq)::int AS matched_words,
           (SELECT count(*) FROM groups g
             WHERE g.thing AND p.search_vector @@ g.tq)::int AS matched_things,
           p.name_folded = ANY ($5::text[]) AS named
      FROM pool
      JOIN products p ON p.id = pool.id
     WHERE ($6::text IS NULL OR p.category ILIKE $6 ESCAPE '\')
       AND ($7::text IS NULL OR p.brand ILIKE $7 ESCAPE '\')
       AND EXISTS (SELECT 1 FROM product_inventory pi
                    WHERE pi.product_id = p.id AND pi.status = 1
                      AND ($8::numeric IS NULL OR pi.price <= $8)
                      AND (NOT $9 OR pi.stock > 0 OR p.name_folded = ANY ($5::text[])))
)
SELECT id, name, matched_words, matched_things, rank
  FROM scored
 ORDER BY left(name_folded, length($3)) = $3 DESC,
          strpos(name_folded, $3) > 0 DESC,
          named DESC,
          matched_words DESC, rank DESC, name, id
 LIMIT $10;

-- name: groups_nothing_matches
-- Which of the query's word groups ($1: tsquery texts) no product's text matches at all
-- (in stock or not): a thing the shop does not sell.
SELECT g.words
  FROM unnest($1::text[]) AS g(words)
 WHERE NOT EXISTS (SELECT 1 FROM products p
                    WHERE p.search_vector @@ to_tsquery('simple', g.words));

-- name: product_vector_candidates
-- The products nearest to the query's vector ($1) for model $2, with the same filters as
-- the keyword half ($3 category, $4 brand, $5 max price, $6 in stock only). $7 limit.
SELECT p.id, p.name, p.category, e.embedding <=> $1::vector AS distance
  FROM item_embeddings e
  JOIN products p ON p.id = e.item_id::uuid
 WHERE e.kind = 'product' AND e.model = $2
   AND ($3::text IS NULL OR p.category ILIKE $3 ESCAPE '\')
   AND ($4::text IS NULL OR p.brand ILIKE $4 ESCAPE '\')
   AND EXISTS (SELECT 1 FROM product_inventory pi
                WHERE pi.product_id = p.id AND pi.status = 1
                  AND ($5::numeric IS NULL OR pi.price <= $5)
                  AND (NOT $6 OR pi.stock > 0))
 ORDER BY e.embedding <=> $1::vector
 LIMIT $7;

-- name: shop_categories
-- The catalog's categories with something in stock, the largest first.
SELECT p.category
  FROM products p
 WHERE p.category IS NOT NULL
   AND EXISTS (SELECT 1 FROM product_inventory pi
                WHERE pi.product_id = p.id AND pi.status = 1 AND pi.stock > 0)
 GROUP BY p.category
 ORDER BY count(*) DESC, p.category;

-- name: product_cards
-- What a shopper sees of each product ($1 ids): variants with prices and in stock yes/no,
-- one picture.
SELECT p.id AS product_id, p.name, p.category, p.brand, p.description,
       coalesce(l.variants, '[]'::jsonb) AS variants, coalesce(l.in_stock, false) AS in_stock,
       coalesce((SELECT m.url FROM product_media m
                  WHERE m.product_id = p.id AND coalesce(m.status, 1) = 1
                  ORDER BY (m.media_type = 'image') DESC NULLS LAST, m.created_at, m.id
                  LIMIT 1),
                p.images ->> 0) AS image_url
  FROM products p
  LEFT JOIN LATERAL (
        SELECT jsonb_agg(jsonb_build_object('classification', pi.classification,
                                            'price', pi.price,
                                            'in_stock', pi.stock > 0)
                         ORDER BY pi.price, pi.classification) AS variants,
               bool_or(pi.stock > 0) AS in_stock
          FROM product_inventory pi
         WHERE pi.product_id = p.id AND pi.status = 1
  ) l ON true
 WHERE p.id = ANY ($1::uuid[]);

-- name: product_images
-- Active image URLs of one product, in display order.
SELECT m.url
  FROM product_media m
 WHERE m.product_id = $1 AND coalesce(m.status, 1) = 1
   AND coalesce(m.media_type, 'image') = 'image'
 ORDER BY m.created_at, m.id;

-- name: my_orders
-- The caller's own orders, newest first, with their items.
SELECT o.id AS order_id, o.created_at, o.status, o.final_total_price, o.shipping,
       coalesce((SELECT jsonb_agg(jsonb_build_object('product_name', p.name,
                                                    'classification', pi.classification,
                                                    'quantity', oi.quantity)
                                  ORDER BY p.name)
                   FROM order_items oi
                   JOIN products p ON p.id = oi.product_id
                   LEFT JOIN product_inventory pi ON pi.id = oi.inventory_id
                  WHERE oi.order_id = o.id), '[]'::jsonb) AS items
  FROM orders o
 WHERE o.customer_id = $1
 ORDER BY o.created_at DESC, o.id DESC
 LIMIT $2;

-- name: catalog_words
-- Every word of the products' names, categories and brands (folded), for typo correction.
SELECT DISTINCT w.word
  FROM (SELECT DISTINCT name, category, brand FROM products) p,
       regexp_split_to_table(shop_fold(concat_ws(' ', p.name, p.category, p.brand)),
                             '[^[:alnum:]]+') AS w(word)
 WHERE length(w.word) >= 4 AND w.word !~ '^[0-9]+$';

-- name: vocabulary_terms
-- The catalog's categories, brands and product names, and the staff's names, lower-cased
-- (the offline model's vocabulary).
SELECT 'category' AS kind, lower(category) AS term FROM products WHERE category IS NOT NULL
UNION SELECT 'brand', lower(brand) FROM products WHERE brand IS NOT NULL
UNION SELECT 'product', lower(name) FROM products
UNION SELECT 'employee', lower(name) FROM employees;
