-- Shopper-facing catalog queries: prices and in-stock yes/no, never stock counts,
-- costs or sales. Accent folding uses translate() with the map passed as $2/$3,
-- so "tra sua" finds "Trà Sữa" on any server, with or without unaccent.

-- name: search_products
-- Products whose text has any query word ($1: one regex alternation per word, e.g. 'tra|tea'),
-- whole words, best first; filters $4-$6; $8 = in stock only.
WITH lines AS (
    SELECT pi.product_id,
           jsonb_agg(jsonb_build_object('classification', pi.classification,
                                        'price', pi.price,
                                        'in_stock', pi.stock > 0)
                     ORDER BY pi.price, pi.classification) AS variants,
           bool_or(pi.stock > 0) AS in_stock,
           min(pi.price) AS min_price,
           string_agg(coalesce(pi.classification, ''), ' ') AS variant_text
      FROM product_inventory pi
     WHERE pi.status = 1
     GROUP BY pi.product_id
),
candidates AS (
    SELECT p.id, p.name, p.category, p.brand, p.description, p.images,
           l.variants, l.in_stock,
           translate(lower(p.name), $2, $3) AS folded_name,
           translate(lower(concat_ws(' ', p.name, p.category, p.brand, p.description,
                                     l.variant_text)), $2, $3) AS folded_text
      FROM products p
      JOIN lines l ON l.product_id = p.id
     WHERE ($4::text IS NULL OR p.category ILIKE $4 ESCAPE '\')
       AND ($5::text IS NULL OR p.brand ILIKE $5 ESCAPE '\')
       AND ($6::numeric IS NULL OR l.min_price <= $6)
),
scored AS (
    SELECT c.*,
           (SELECT count(*) FROM unnest($1::text[]) AS w(words)
             WHERE c.folded_text ~ ('\m(' || w.words || ')s?\M')) AS hits,
           (c.folded_name LIKE $7 || '%') AS name_prefix,
           (strpos(c.folded_name, $7) > 0) AS names_it
      FROM candidates c
)
SELECT s.id AS product_id, s.name, s.category, s.brand, s.description, s.variants, s.in_stock,
       coalesce((SELECT m.url FROM product_media m
                  WHERE m.product_id = s.id AND coalesce(m.status, 1) = 1
                  ORDER BY (m.media_type = 'image') DESC NULLS LAST, m.created_at, m.id
                  LIMIT 1),
                s.images ->> 0) AS image_url
  FROM scored s
 WHERE s.hits > 0
   AND (NOT $8::boolean OR s.in_stock OR s.names_it)
 ORDER BY s.name_prefix DESC, s.names_it DESC, s.hits DESC, s.name
 LIMIT $9;

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
