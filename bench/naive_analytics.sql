-- The analytics baseline, written the way the original blog post did: dates
-- compared as DATE(o.created_at) BETWEEN $a AND $b (no index can serve it, and
-- the day is the server's, not the shop's), filters on outer-joined tables in
-- WHERE, one big join then GROUP BY or DISTINCT, totals by window functions.
-- bench/analytics.py runs these on a copy of the benchmark database that has
-- only single-column indexes (no composite, covering or partial ones).
-- Date pairs are given both or neither. Text patterns arrive as `%text%`.

-- name: revenue_by_filters
-- Completed orders by filters; totals as window functions over the joined rows.
SELECT o.id AS order_id, o.created_at, o.final_total_price AS revenue,
       c.name AS customer_name, c.email AS customer_email,
       e.name AS employee_name, o.payment_method,
       COUNT(*) OVER () AS total_orders,
       SUM(o.final_total_price) OVER () AS total_revenue
  FROM orders o
  LEFT JOIN customers c ON c.id = o.customer_id
  LEFT JOIN employees e ON e.id = o.creator_id
 WHERE o.status = 1
   AND ($1::date IS NULL OR DATE(o.created_at) BETWEEN $1 AND $2::date)
   AND ($3::text IS NULL OR e.name ILIKE $3)
   AND ($4::text IS NULL OR LOWER(c.email) = LOWER($4))
   AND ($5::text[] IS NULL OR LOWER(o.payment_method) = ANY ($5))
   AND ($6::numeric IS NULL OR o.final_total_price >= $6)
   AND ($7::numeric IS NULL OR o.final_total_price <= $7)
 ORDER BY o.created_at DESC
 LIMIT $8;

-- name: sales_summary
-- Totals of completed orders between two dates, optionally by employee name.
SELECT COUNT(o.id) AS total_orders,
       COALESCE(SUM(o.final_total_price), 0) AS total_revenue,
       COALESCE(SUM(o.tax), 0) AS total_tax,
       COALESCE(SUM(o.discount), 0) AS total_discounts
  FROM orders o
  LEFT JOIN employees e ON e.id = o.creator_id
 WHERE o.status = 1
   AND DATE(o.created_at) BETWEEN $1 AND $2
   AND ($3::text IS NULL OR e.name ILIKE $3);

-- name: products_by_criteria
-- Active inventory lines by name/category/brand/price/low stock, without sales.
SELECT p.id AS product_id, pi.id AS inventory_id, p.name AS product_name,
       pi.classification, p.category, p.brand, pi.price, pi.stock, pi.low_stock_threshold,
       COUNT(*) OVER () AS total_count
  FROM products p
  LEFT JOIN product_inventory pi ON pi.product_id = p.id
 WHERE pi.status = 1
   AND ($1::text IS NULL OR p.name ILIKE $1)
   AND ($2::text IS NULL OR p.category ILIKE $2)
   AND ($3::text IS NULL OR p.brand ILIKE $3)
   AND ($4::numeric IS NULL OR pi.price >= $4)
   AND ($5::numeric IS NULL OR pi.price <= $5)
   AND (NOT $6::boolean OR pi.stock <= pi.low_stock_threshold)
 ORDER BY p.name
 LIMIT $7;

-- name: products_with_sales
-- Best sellers between two dates: every line joined to all its items, filtered in WHERE.
SELECT p.id AS product_id, pi.id AS inventory_id, p.name AS product_name,
       pi.classification, p.category, p.brand, pi.price, pi.stock, pi.low_stock_threshold,
       COALESCE(SUM(oi.quantity), 0) AS total_sold,
       COALESCE(SUM(oi.total_price), 0) AS total_revenue,
       COUNT(*) OVER () AS total_count
  FROM product_inventory pi
  JOIN products p ON p.id = pi.product_id
  LEFT JOIN order_items oi ON oi.inventory_id = pi.id
  LEFT JOIN orders o ON o.id = oi.order_id
 WHERE pi.status = 1
   AND ($1::text IS NULL OR p.name ILIKE $1)
   AND ($2::text IS NULL OR p.category ILIKE $2)
   AND ($3::text IS NULL OR p.brand ILIKE $3)
   AND ($4::numeric IS NULL OR pi.price >= $4)
   AND ($5::numeric IS NULL OR pi.price <= $5)
   AND (NOT $6::boolean OR pi.stock <= pi.low_stock_threshold)
   AND o.status = 1
   AND DATE(o.created_at) BETWEEN $7 AND $8
 GROUP BY p.id, pi.id
 ORDER BY total_revenue DESC
 LIMIT $9;

-- name: customers_by_criteria
-- Customers with their completed orders (between two dates when given), top spenders first.
SELECT c.id AS customer_id, c.name AS customer_name, c.email AS customer_email,
       c.premium, c.created_at AS customer_since,
       COUNT(o.id) AS total_orders,
       COALESCE(SUM(o.final_total_price), 0) AS total_spent,
       MAX(o.created_at) AS last_order_at,
       COUNT(*) OVER () AS total_count
  FROM customers c
  LEFT JOIN orders o ON o.customer_id = c.id
 WHERE o.status = 1
   AND ($6::date IS NULL OR DATE(o.created_at) BETWEEN $6 AND $7::date)
   AND ($1::text IS NULL OR c.name ILIKE $1)
   AND ($2::text IS NULL OR c.email ILIKE $2)
   AND ($3::boolean IS NULL OR c.premium = $3)
 GROUP BY c.id
HAVING ($4::int IS NULL OR COUNT(o.id) >= $4)
   AND ($5::numeric IS NULL OR COALESCE(SUM(o.final_total_price), 0) >= $5)
 ORDER BY total_spent DESC
 LIMIT $8;

-- name: inventory_status
-- Active inventory lines with a stock status computed twice (select list and WHERE).
SELECT p.name AS product_name, pi.classification, p.category, p.brand,
       pi.stock, pi.low_stock_threshold, pi.price,
       pi.stock * pi.price AS inventory_value,
       CASE
           WHEN pi.stock <= 0 THEN 'out_of_stock'
           WHEN pi.stock <= 0.5 * pi.low_stock_threshold THEN 'critical'
           WHEN pi.stock <= pi.low_stock_threshold THEN 'low'
           WHEN pi.stock > 2 * pi.low_stock_threshold THEN 'high'
           ELSE 'normal'
       END AS stock_status,
       COUNT(*) OVER () AS total_count
  FROM product_inventory pi
  LEFT JOIN products p ON p.id = pi.product_id
 WHERE pi.status = 1
   AND ($1::text IS NULL OR p.category ILIKE $1)
   AND ($2::text IS NULL OR p.brand ILIKE $2)
   AND ($3::text[] IS NULL OR (CASE
           WHEN pi.stock <= 0 THEN 'out_of_stock'
           WHEN pi.stock <= 0.5 * pi.low_stock_threshold THEN 'critical'
           WHEN pi.stock <= pi.low_stock_threshold THEN 'low'
           WHEN pi.stock > 2 * pi.low_stock_threshold THEN 'high'
           ELSE 'normal'
       END) = ANY ($3))
 ORDER BY pi.stock, p.name
 LIMIT $4;

-- name: employee_metrics
-- Staff performance between two dates: employees outer-joined to orders, filtered in WHERE.
SELECT e.name AS employee_name, e.role,
       COUNT(o.id) AS total_orders,
       COALESCE(SUM(o.final_total_price), 0) AS total_sales,
       COUNT(DISTINCT o.customer_id) AS unique_customers,
       MAX(o.created_at) AS last_sale_at
  FROM employees e
  LEFT JOIN orders o ON o.creator_id = e.id
 WHERE o.status = 1
   AND DATE(o.created_at) BETWEEN $2 AND $3
   AND ($1::text IS NULL OR e.name ILIKE $1)
 GROUP BY e.id
 ORDER BY total_sales DESC;

-- name: search_orders_by_text
-- Orders mentioning the text anywhere: everything outer-joined, one OR, then DISTINCT.
WITH matched AS (
    SELECT DISTINCT o.id AS order_id, o.created_at, o.status, o.final_total_price,
           c.name AS customer_name, c.email AS customer_email,
           e.name AS employee_name, o.note
      FROM orders o
      LEFT JOIN customers c ON c.id = o.customer_id
      LEFT JOIN employees e ON e.id = o.creator_id
      LEFT JOIN order_items oi ON oi.order_id = o.id
      LEFT JOIN products p ON p.id = oi.product_id
     WHERE c.name ILIKE $1 OR c.email ILIKE $1 OR o.note ILIKE $1
        OR o.shipping ILIKE $1 OR e.name ILIKE $1 OR p.name ILIKE $1
)
SELECT m.*, COUNT(*) OVER () AS total_count
  FROM matched m
 ORDER BY m.created_at DESC
 LIMIT $2;
