-- Shopper-facing catalog queries: prices and in-stock yes/no, never stock counts,
-- costs or sales. Product search is hybrid (search/hybrid.py fuses the two halves): full
-- text over product_search_vector() — words as written and accent-folded, so "tra sua"
-- finds "Trà Sữa" — and, where pgvector is installed, the nearest product vectors.

-- name: product_keyword_candidates
-- Products matching the query's words by full text ($1: an OR of word groups, each word also
-- as a prefix and with its translations; $2: the groups, to count how many match), best
-- first: a name the query begins, a name the query contains, most words matched, rank.
-- Filters in the same query: $4 category, $5 brand (ILIKE patterns), $6 max price, $7 in
-- stock only (a product whose name the query contains — $3, folded — is kept anyway). $8 limit.
WITH matched AS (
    SELECT p.id, p.name, p.category, p.brand, p.description,
           ts_rank_cd(product_search_vector(p.name, p.category, p.brand, p.description),
                      to_tsquery('simple', $1)) AS rank
      FROM products p
     WHERE product_search_vector(p.name, p.category, p.brand, p.description)
           @@ to_tsquery('simple', $1)
       AND ($4::text IS NULL OR p.category ILIKE $4 ESCAPE '\')
       AND ($5::text IS NULL OR p.brand ILIKE $5 ESCAPE '\')
       AND EXISTS (SELECT 1 FROM product_inventory pi
                    WHERE pi.product_id = p.id AND pi.status = 1
                      AND ($6::numeric IS NULL OR pi.price <= $6)
                      AND (NOT $7 OR pi.stock > 0 OR strpos($3, shop_fold(p.name)) > 0))
     ORDER BY left(shop_fold(p.name), length($3)) = $3 DESC,
              strpos($3, shop_fold(p.name)) > 0 DESC,
              rank DESC
     LIMIT 200
)
SELECT m.id, m.name,
       (SELECT count(*) FROM unnest($2::text[]) AS g(words)
         WHERE product_search_vector(m.name, m.category, m.brand, m.description)
               @@ to_tsquery('simple', g.words))::int AS matched_words,
       m.rank
  FROM matched m
 ORDER BY left(shop_fold(m.name), length($3)) = $3 DESC,
          strpos($3, shop_fold(m.name)) > 0 DESC,
          matched_words DESC, m.rank DESC, m.name
 LIMIT $8;

-- name: product_vector_candidates
-- The products nearest to the query's vector ($1) for model $2, with the same filters as
-- the keyword half ($3 category, $4 brand, $5 max price, $6 in stock only). $7 limit.
SELECT p.id, p.name, e.embedding <=> $1::vector AS distance
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
 WHERE length(w.word) >= 4;
