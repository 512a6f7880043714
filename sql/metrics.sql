-- The names a metrics question filters by (tools/metrics/resolve.py). The measures themselves
-- are composed from reviewed definitions in tools/metrics/query.py.

-- name: metrics_employees
-- Every staff member, former ones too (their orders stay in the books).
SELECT id::text AS id, name FROM employees ORDER BY name, id;

-- name: metrics_customers_by_email
-- Customers by e-mail, case-insensitively.
SELECT id, name FROM customers WHERE lower(email) = $1 ORDER BY name, id LIMIT 50;

-- name: metrics_customers_by_phone
-- Customers by phone: digits only, +84/84 read as a leading 0 ($1 is normalised the same way).
SELECT id, name
  FROM customers
 WHERE CASE WHEN regexp_replace(phone, '\D', '', 'g') LIKE '84%'
             AND length(regexp_replace(phone, '\D', '', 'g')) >= 11
            THEN '0' || substr(regexp_replace(phone, '\D', '', 'g'), 3)
            ELSE regexp_replace(phone, '\D', '', 'g') END = $1
 ORDER BY name, id
 LIMIT 50;

-- name: metrics_customers_by_name
-- Customers whose folded name has every word pattern in $1 (whole words), at most $2.
SELECT id, name
  FROM customers
 WHERE shop_fold(coalesce(name, '')) ~ ALL ($1::text[])
 ORDER BY name, id
 LIMIT $2;

-- name: metrics_products_by_name
-- Products whose folded name has every word pattern in $1 (whole words), at most $2.
SELECT id::text AS id, name
  FROM products
 WHERE name_folded ~ ALL ($1::text[])
 ORDER BY name, id
 LIMIT $2;

-- name: metrics_categories
-- Every category, grouped as the metrics group them (case and spaces do not split one).
SELECT lower(regexp_replace(btrim(category), '\s+', ' ', 'g')) AS key, min(category) AS name
  FROM products
 WHERE nullif(btrim(category), '') IS NOT NULL
 GROUP BY 1
 ORDER BY 1;

-- name: metrics_brands
-- Every brand, grouped as the metrics group them.
SELECT lower(regexp_replace(btrim(brand), '\s+', ' ', 'g')) AS key, min(brand) AS name
  FROM products
 WHERE nullif(btrim(brand), '') IS NOT NULL
 GROUP BY 1
 ORDER BY 1;

-- name: metrics_product_labels
-- Names of products by id ($1 text ids).
SELECT id::text AS id, name FROM products WHERE id::text = ANY ($1::text[]);

-- name: metrics_variant_labels
-- Names of inventory lines (variants) by id: the product's name and the variant's.
SELECT pi.id::text AS id, p.name, pi.classification
  FROM product_inventory pi
  JOIN products p ON p.id = pi.product_id
 WHERE pi.id::text = ANY ($1::text[]);

-- name: metrics_employee_labels
-- Names of staff by id.
SELECT id::text AS id, name FROM employees WHERE id::text = ANY ($1::text[]);

-- name: metrics_customer_labels
-- Names of customers by id.
SELECT id, coalesce(name, id) AS name FROM customers WHERE id = ANY ($1::text[]);

-- name: metrics_zone_built
-- Whether a time zone's rollups are built (kept by the triggers from then on).
SELECT 1 AS built FROM metrics_zones WHERE zone = $1;
