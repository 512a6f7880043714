-- Owner analytics. Every query is read-only and parameterised ($1..$n).
-- Conventions: revenue counts completed orders only (status = 1); date ranges
-- arrive as half-open timestamptz bounds [lower, upper) computed in the shop's
-- time zone (NULL = open); text filters arrive already ILIKE-escaped and are
-- matched with ESCAPE '\'. Optional filters are written `$n IS NULL OR ...`;
-- the read-only path plans them per call (force_custom_plan), so an unused
-- filter costs nothing.

-- name: revenue_by_filters
-- Completed orders matching the filters: totals over all of them, plus the newest $8.
WITH matched AS MATERIALIZED (
    SELECT o.id, o.created_at, o.final_total_price, o.customer_id, o.creator_id,
           o.payment_method
      FROM orders o
     WHERE o.status = 1
       AND ($1::timestamptz IS NULL OR o.created_at >= $1)
       AND ($2::timestamptz IS NULL OR o.created_at < $2)
       AND ($3::text IS NULL OR o.creator_id IN (
                SELECT e.id FROM employees e WHERE e.name ILIKE $3 ESCAPE '\'))
       AND ($4::text IS NULL OR o.customer_id IN (
                SELECT c.id FROM customers c WHERE lower(c.email) = lower($4)))
       AND ($5::text[] IS NULL OR lower(btrim(o.payment_method)) = ANY ($5))
       AND ($6::numeric IS NULL OR o.final_total_price >= $6)
       AND ($7::numeric IS NULL OR o.final_total_price <= $7)
),
page AS (
    SELECT * FROM matched ORDER BY created_at DESC, id DESC LIMIT $8
),
totals AS (
    SELECT count(*) AS total_orders, coalesce(sum(final_total_price), 0) AS total_revenue
      FROM matched
)
SELECT t.total_orders, t.total_revenue,
       p.id AS order_id, p.created_at, p.final_total_price AS revenue,
       c.name AS customer_name, c.email AS customer_email,
       e.name AS employee_name, p.payment_method
  FROM totals t
  LEFT JOIN page p ON true
  LEFT JOIN customers c ON c.id = p.customer_id
  LEFT JOIN employees e ON e.id = p.creator_id
 ORDER BY p.created_at DESC, p.id DESC;

-- name: sales_summary
-- Totals of completed orders in [$1, $2), optionally taken by employees matching $3.
SELECT count(*) AS total_orders,
       coalesce(sum(o.final_total_price), 0) AS total_revenue,
       coalesce(sum(o.tax), 0) AS total_tax,
       coalesce(sum(o.discount), 0) AS total_discounts
  FROM orders o
 WHERE o.status = 1
   AND o.created_at >= $1 AND o.created_at < $2
   AND ($3::text IS NULL OR o.creator_id IN (
            SELECT e.id FROM employees e WHERE e.name ILIKE $3 ESCAPE '\'));

-- name: products_by_criteria
-- Active inventory lines matching the filters, with sales in [$7, $8) when $9 is true.
WITH sales AS (
    SELECT oi.inventory_id, sum(oi.quantity) AS total_sold, sum(oi.total_price) AS total_revenue
      FROM orders o
      JOIN order_items oi ON oi.order_id = o.id
     WHERE $9::boolean
       AND o.status = 1
       AND ($7::timestamptz IS NULL OR o.created_at >= $7)
       AND ($8::timestamptz IS NULL OR o.created_at < $8)
     GROUP BY oi.inventory_id
)
SELECT p.id AS product_id, pi.id AS inventory_id, p.name AS product_name,
       pi.classification, p.category, p.brand, pi.price, pi.stock, pi.low_stock_threshold,
       coalesce(s.total_sold, 0) AS total_sold,
       coalesce(s.total_revenue, 0) AS total_revenue,
       count(*) OVER () AS total_count
  FROM product_inventory pi
  JOIN products p ON p.id = pi.product_id
  LEFT JOIN sales s ON s.inventory_id = pi.id
 WHERE pi.status = 1
   AND ($1::text IS NULL OR p.name ILIKE $1 ESCAPE '\')
   AND ($2::text IS NULL OR p.category ILIKE $2 ESCAPE '\')
   AND ($3::text IS NULL OR p.brand ILIKE $3 ESCAPE '\')
   AND ($4::numeric IS NULL OR pi.price >= $4)
   AND ($5::numeric IS NULL OR pi.price <= $5)
   AND (NOT $6::boolean OR pi.stock <= pi.low_stock_threshold)
 ORDER BY CASE WHEN $9::boolean THEN coalesce(s.total_revenue, 0) END DESC NULLS LAST,
          p.name, pi.classification NULLS FIRST, pi.id
 LIMIT $10;

-- name: customers_by_criteria
-- Customers matching the filters with their completed orders in [$6, $7).
WITH stats AS (
    SELECT o.customer_id, count(*) AS total_orders,
           sum(o.final_total_price) AS total_spent, max(o.created_at) AS last_order_at
      FROM orders o
     WHERE o.status = 1
       AND ($6::timestamptz IS NULL OR o.created_at >= $6)
       AND ($7::timestamptz IS NULL OR o.created_at < $7)
     GROUP BY o.customer_id
)
SELECT c.id AS customer_id, c.name AS customer_name, c.email AS customer_email,
       coalesce(c.premium, false) AS premium, c.created_at AS customer_since,
       coalesce(s.total_orders, 0) AS total_orders,
       coalesce(s.total_spent, 0) AS total_spent,
       s.last_order_at,
       count(*) OVER () AS total_count
  FROM customers c
  LEFT JOIN stats s ON s.customer_id = c.id
 WHERE ($1::text IS NULL OR c.name ILIKE $1 ESCAPE '\')
   AND ($2::text IS NULL OR c.email ILIKE $2 ESCAPE '\')
   AND ($3::boolean IS NULL OR coalesce(c.premium, false) = $3)
   AND ($4::int IS NULL OR coalesce(s.total_orders, 0) >= $4)
   AND ($5::numeric IS NULL OR coalesce(s.total_spent, 0) >= $5)
 ORDER BY coalesce(s.total_spent, 0) DESC, c.name NULLS LAST, c.id
 LIMIT $8;

-- name: inventory_status
-- Active inventory lines with their stock status, most severe first.
WITH lines AS (
    SELECT p.name AS product_name, pi.classification, p.category, p.brand,
           pi.stock, pi.low_stock_threshold, pi.price,
           pi.stock * pi.price AS inventory_value,
           CASE
               WHEN pi.stock <= 0 THEN 'out_of_stock'
               WHEN pi.stock <= 0.5 * pi.low_stock_threshold THEN 'critical'
               WHEN pi.stock <= pi.low_stock_threshold THEN 'low'
               WHEN pi.stock > 2 * pi.low_stock_threshold THEN 'high'
               ELSE 'normal'
           END AS stock_status
      FROM product_inventory pi
      JOIN products p ON p.id = pi.product_id
     WHERE pi.status = 1
       AND ($1::text IS NULL OR p.category ILIKE $1 ESCAPE '\')
       AND ($2::text IS NULL OR p.brand ILIKE $2 ESCAPE '\')
)
SELECT l.*, count(*) OVER () AS total_count
  FROM lines l
 WHERE $3::text[] IS NULL OR l.stock_status = ANY ($3)
 ORDER BY array_position(ARRAY['out_of_stock', 'critical', 'low', 'normal', 'high'], l.stock_status),
          l.stock, l.product_name, l.classification NULLS FIRST
 LIMIT $4;

-- name: employee_metrics
-- Employees with their completed orders in [$2, $3): active ones always, former ones with sales.
WITH stats AS (
    SELECT o.creator_id, count(*) AS total_orders,
           sum(o.final_total_price) AS total_sales,
           count(DISTINCT o.customer_id) AS unique_customers,
           max(o.created_at) AS last_sale_at
      FROM orders o
     WHERE o.status = 1
       AND o.creator_id IS NOT NULL
       AND ($2::timestamptz IS NULL OR o.created_at >= $2)
       AND ($3::timestamptz IS NULL OR o.created_at < $3)
     GROUP BY o.creator_id
)
SELECT e.name AS employee_name, e.role,
       coalesce(s.total_orders, 0) AS total_orders,
       coalesce(s.total_sales, 0) AS total_sales,
       coalesce(s.unique_customers, 0) AS unique_customers,
       s.last_sale_at
  FROM employees e
  LEFT JOIN stats s ON s.creator_id = e.id
 WHERE (e.status = 1 OR s.creator_id IS NOT NULL)
   AND ($1::text IS NULL OR e.name ILIKE $1 ESCAPE '\')
 ORDER BY CASE $4::text
              WHEN 'orders' THEN coalesce(s.total_orders, 0)
              WHEN 'customers' THEN coalesce(s.unique_customers, 0)
              ELSE coalesce(s.total_sales, 0)
          END DESC,
          coalesce(s.total_sales, 0) DESC, e.name;

-- name: search_orders_by_text
-- Orders of any status whose customer, note, shipping, employee or item product matches $1.
WITH hits AS MATERIALIZED (
    SELECT o.id
      FROM orders o
     WHERE o.note ILIKE $1 ESCAPE '\'
        OR o.shipping ILIKE $1 ESCAPE '\'
        OR o.customer_id IN (SELECT c.id FROM customers c
                              WHERE c.name ILIKE $1 ESCAPE '\' OR c.email ILIKE $1 ESCAPE '\')
        OR o.creator_id IN (SELECT e.id FROM employees e WHERE e.name ILIKE $1 ESCAPE '\')
    UNION
    SELECT oi.order_id
      FROM order_items oi
     WHERE oi.product_id IN (SELECT p.id FROM products p WHERE p.name ILIKE $1 ESCAPE '\')
),
page AS (
    SELECT o.id, o.created_at, o.status, o.final_total_price, o.customer_id, o.creator_id, o.note
      FROM orders o
     WHERE o.id IN (SELECT id FROM hits)
     ORDER BY o.created_at DESC, o.id DESC
     LIMIT $2
),
totals AS (
    SELECT count(*) AS total_count FROM hits
)
SELECT t.total_count,
       p.id AS order_id, p.created_at, p.status, p.final_total_price,
       c.name AS customer_name, c.email AS customer_email, e.name AS employee_name, p.note
  FROM totals t
  LEFT JOIN page p ON true
  LEFT JOIN customers c ON c.id = p.customer_id
  LEFT JOIN employees e ON e.id = p.creator_id
 ORDER BY p.created_at DESC, p.id DESC;
