-- Owner analytics. Every query is read-only and parameterised ($1..$n).
-- Conventions: revenue counts completed orders only (status = 1); date ranges
-- arrive as half-open timestamptz bounds [lower, upper) computed in the shop's
-- time zone (NULL = open); text filters arrive already ILIKE-escaped and are
-- matched with ESCAPE '\'. Optional filters are written `$n IS NULL OR ...`;
-- the read-only path plans them per call (force_custom_plan), so an unused
-- filter costs nothing.

-- name: revenue_by_filters
-- Completed orders matching the filters: totals over all of them, plus the newest $8.
-- The filters are written twice on purpose: the totals can then come from the
-- covering index alone, and the page from a backward walk of the created_at index
-- that stops after $8 rows, instead of both reading one materialised set of matches.
WITH totals AS (
    SELECT count(*) AS total_orders, coalesce(sum(o.final_total_price), 0) AS total_revenue
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
     ORDER BY o.created_at DESC, o.id DESC
     LIMIT $8
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
-- When the rollups of $11 (the shop's time zone) are built, the sales come from the
-- item rollups: whole months $12..$13 (first days) from the month table, local days
-- $14..$15 around them from the day table — the same sums, without reading the orders.
WITH rolled_sales AS MATERIALIZED (
    SELECT s.inventory_id, sum(s.units) AS total_sold, sum(s.total) AS total_revenue
      FROM (SELECT inventory_id, units, total
              FROM metrics_item_months
             WHERE zone = $11 AND status = 1 AND lines <> 0
               AND month >= $12::date AND month <= $13::date
            UNION ALL
            SELECT inventory_id, units, total
              FROM metrics_item_days
             WHERE zone = $11 AND status = 1 AND lines <> 0
               AND day >= $14::date AND day <= $15::date
               AND ($12::date IS NULL OR day < $12::date
                    OR day >= ($13::date + interval '1 month')::date)) s
     WHERE $9::boolean AND $11::text IS NOT NULL
       AND EXISTS (SELECT 1 FROM metrics_zones WHERE zone = $11)
     GROUP BY s.inventory_id
),
keyed_sales AS MATERIALIZED (
    -- A date range on PostgreSQL 17+: the range's completed orders' ids as one array,
    -- which order_items_order_idx answers in one ordered pass over its leaf pages
    -- instead of one search per order. (Materialised, so it is hashed, not sorted.)
    SELECT oi.inventory_id, sum(oi.quantity) AS total_sold, sum(oi.total_price) AS total_revenue
      FROM order_items oi
     WHERE $9::boolean
       AND NOT EXISTS (SELECT 1 FROM metrics_zones WHERE zone = $11)
       AND ($7::timestamptz IS NOT NULL OR $8::timestamptz IS NOT NULL)
       AND current_setting('server_version_num')::int >= 170000
       AND oi.order_id = ANY (ARRAY(
               SELECT o.id
                 FROM orders o
                WHERE o.status = 1
                  AND ($7::timestamptz IS NULL OR o.created_at >= $7)
                  AND ($8::timestamptz IS NULL OR o.created_at < $8)))
     GROUP BY oi.inventory_id
),
joined_sales AS MATERIALIZED (
    -- The whole history, or older servers: a plain join (parallel, or hashed).
    SELECT oi.inventory_id, sum(oi.quantity) AS total_sold, sum(oi.total_price) AS total_revenue
      FROM orders o
      JOIN order_items oi ON oi.order_id = o.id
     WHERE $9::boolean
       AND NOT EXISTS (SELECT 1 FROM metrics_zones WHERE zone = $11)
       AND (($7::timestamptz IS NULL AND $8::timestamptz IS NULL)
            OR current_setting('server_version_num')::int < 170000)
       AND o.status = 1
       AND ($7::timestamptz IS NULL OR o.created_at >= $7)
       AND ($8::timestamptz IS NULL OR o.created_at < $8)
     GROUP BY oi.inventory_id
),
lines AS (
    -- At most one of the three has rows.
    SELECT p.id AS product_id, pi.id AS inventory_id, p.name AS product_name,
           pi.classification, p.category, p.brand, pi.price, pi.stock, pi.low_stock_threshold,
           coalesce(r.total_sold, k.total_sold, j.total_sold, 0) AS total_sold,
           coalesce(r.total_revenue, k.total_revenue, j.total_revenue, 0) AS total_revenue
      FROM product_inventory pi
      JOIN products p ON p.id = pi.product_id
      LEFT JOIN rolled_sales r ON r.inventory_id = pi.id
      LEFT JOIN keyed_sales k ON k.inventory_id = pi.id
      LEFT JOIN joined_sales j ON j.inventory_id = pi.id
     WHERE pi.status = 1
       AND ($1::text IS NULL OR p.name ILIKE $1 ESCAPE '\')
       AND ($2::text IS NULL OR p.category ILIKE $2 ESCAPE '\')
       AND ($3::text IS NULL OR p.brand ILIKE $3 ESCAPE '\')
       AND ($4::numeric IS NULL OR pi.price >= $4)
       AND ($5::numeric IS NULL OR pi.price <= $5)
       AND (NOT $6::boolean OR pi.stock <= pi.low_stock_threshold)
)
SELECT l.*, count(*) OVER () AS total_count
  FROM lines l
 ORDER BY CASE WHEN $9::boolean THEN l.total_revenue END DESC NULLS LAST,
          l.product_name, l.classification NULLS FIRST, l.inventory_id
 LIMIT $10;

-- name: customers_by_criteria
-- Customers matching the filters with their completed orders in [$6, $7).
-- Stats come from one pass over the range's orders when no name/e-mail/premium filter
-- is given, else per picked customer through orders_customer_created_idx. The page
-- is the top spenders (the top $8 amounts, ties included, joined to their customers
-- by key), topped up from customers who spent nothing only when fewer than $8 spent
-- anything; the count needs the stats only when $4 or $5 filter on them.
-- With no customer filter and whole months in the range ($10..$11, first days) whose
-- rollups of zone $9 are built, the months' sums come from metrics_customer_months and only
-- the days around them ([$6, $12) and [$13, $7)) from the orders; the page's last order
-- dates are then looked up per customer shown.
WITH rolled AS MATERIALIZED (
    SELECT $9::text IS NOT NULL
           AND $1::text IS NULL AND $2::text IS NULL AND $3::boolean IS NULL
           AND EXISTS (SELECT 1 FROM metrics_zones WHERE zone = $9) AS yes
),
picked AS MATERIALIZED (
    -- Materialised: without trigram indexes a second scan would cost as much again.
    SELECT c.id, c.name, c.email, coalesce(c.premium, false) AS premium, c.created_at
      FROM customers c
     WHERE ($1::text IS NULL OR c.name ILIKE $1 ESCAPE '\')
       AND ($2::text IS NULL OR c.email ILIKE $2 ESCAPE '\')
       AND ($3::boolean IS NULL OR coalesce(c.premium, false) = $3)
),
stats AS MATERIALIZED (
    -- No customer filter, whole months rolled up: the months' sums and the days around them.
    SELECT s.customer_id, sum(s.orders) AS total_orders, sum(s.total) AS total_spent,
           NULL::timestamptz AS last_order_at
      FROM (SELECT customer_id, orders, total
              FROM metrics_customer_months
             WHERE zone = $9 AND status = 1 AND orders <> 0
               AND month >= $10::date AND month <= $11::date
            UNION ALL
            SELECT o.customer_id, 1, o.final_total_price
              FROM orders o
             WHERE o.status = 1
               AND ((o.created_at >= $6 AND o.created_at < $12)
                    OR (o.created_at >= $13 AND o.created_at < $7))) s
     WHERE (SELECT yes FROM rolled)
     GROUP BY s.customer_id
    UNION ALL
    -- No customer filter: one pass over the range's completed orders.
    SELECT o.customer_id, count(*) AS total_orders,
           sum(o.final_total_price) AS total_spent, max(o.created_at) AS last_order_at
      FROM orders o
     WHERE $1::text IS NULL AND $2::text IS NULL AND $3::boolean IS NULL
       AND NOT (SELECT yes FROM rolled)
       AND o.status = 1
       AND ($6::timestamptz IS NULL OR o.created_at >= $6)
       AND ($7::timestamptz IS NULL OR o.created_at < $7)
     GROUP BY o.customer_id
    UNION ALL
    -- Filtered: each picked customer's own orders, through the customer index.
    SELECT c.id, s.total_orders, s.total_spent, s.last_order_at
      FROM picked c
     CROSS JOIN LATERAL (
            SELECT count(*) AS total_orders,
                   sum(o.final_total_price) AS total_spent, max(o.created_at) AS last_order_at
              FROM orders o
             WHERE o.customer_id = c.id
               AND o.status = 1
               AND ($6::timestamptz IS NULL OR o.created_at >= $6)
               AND ($7::timestamptz IS NULL OR o.created_at < $7)) s
     WHERE NOT ($1::text IS NULL AND $2::text IS NULL AND $3::boolean IS NULL)
       AND s.total_orders > 0
),
matched AS NOT MATERIALIZED (
    -- Needed only for the count when $4/$5 are given and for the zero spenders, so it
    -- repeats picked's filters on customers itself (which the planner can estimate).
    SELECT c.id, c.name, c.email, coalesce(c.premium, false) AS premium, c.created_at,
           coalesce(s.total_orders, 0) AS total_orders,
           coalesce(s.total_spent, 0) AS total_spent,
           s.last_order_at
      FROM customers c
      LEFT JOIN stats s ON s.customer_id = c.id
     WHERE ($1::text IS NULL OR c.name ILIKE $1 ESCAPE '\')
       AND ($2::text IS NULL OR c.email ILIKE $2 ESCAPE '\')
       AND ($3::boolean IS NULL OR coalesce(c.premium, false) = $3)
       AND ($4::int IS NULL OR coalesce(s.total_orders, 0) >= $4)
       AND ($5::numeric IS NULL OR coalesce(s.total_spent, 0) >= $5)
),
positive AS NOT MATERIALIZED (
    SELECT s.*
      FROM stats s
     WHERE s.total_spent > 0
       AND ($4::int IS NULL OR s.total_orders >= $4)
       AND ($5::numeric IS NULL OR s.total_spent >= $5)
),
top_spent AS MATERIALIZED (
    SELECT * FROM positive ORDER BY total_spent DESC LIMIT $8
),
spenders AS MATERIALIZED (
    -- The top $8 amounts with their ties (the same rows as FETCH FIRST ... WITH TIES,
    -- but from a bounded top-N), joined to their customers by key. Stats rows all
    -- belong to picked customers (by construction, or by the foreign key).
    SELECT c.id, c.name, c.email, coalesce(c.premium, false) AS premium, c.created_at,
           s.total_orders, s.total_spent, s.last_order_at
      FROM (SELECT * FROM top_spent
            UNION
            SELECT * FROM positive
             WHERE total_spent = (SELECT min(total_spent) FROM top_spent)) s
      JOIN customers c ON c.id = s.customer_id
),
page AS (
    SELECT * FROM spenders
    UNION ALL
    (SELECT * FROM matched m
      WHERE m.total_spent <= 0
      ORDER BY m.total_spent DESC, m.name NULLS LAST, m.id
      LIMIT greatest($8 - (SELECT count(*) FROM spenders), 0))
)
SELECT p.id AS customer_id, p.name AS customer_name, p.email AS customer_email,
       p.premium, p.created_at AS customer_since,
       p.total_orders, p.total_spent,
       coalesce(p.last_order_at,
                (SELECT max(o.created_at) FROM orders o
                  WHERE (SELECT yes FROM rolled) AND o.customer_id = p.id AND o.status = 1
                    AND ($6::timestamptz IS NULL OR o.created_at >= $6)
                    AND ($7::timestamptz IS NULL OR o.created_at < $7))) AS last_order_at,
       CASE WHEN $4::int IS NOT NULL OR $5::numeric IS NOT NULL
                 THEN (SELECT count(*) FROM matched)
            WHEN $1::text IS NULL AND $2::text IS NULL AND $3::boolean IS NULL
                 THEN (SELECT count(*) FROM customers)
            ELSE (SELECT count(*) FROM picked)
       END AS total_count
  FROM page p
 ORDER BY p.total_spent DESC, p.name NULLS LAST, p.id
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
-- Distinct customers are counted from a hashed (employee, customer) set rather than
-- count(DISTINCT) over sorted rows.
WITH scope AS NOT MATERIALIZED (
    SELECT o.creator_id, o.customer_id, o.final_total_price, o.created_at
      FROM orders o
     WHERE o.status = 1
       AND o.creator_id IS NOT NULL
       AND ($2::timestamptz IS NULL OR o.created_at >= $2)
       AND ($3::timestamptz IS NULL OR o.created_at < $3)
),
totals AS (
    SELECT creator_id, count(*) AS total_orders,
           sum(final_total_price) AS total_sales,
           max(created_at) AS last_sale_at
      FROM scope
     GROUP BY creator_id
),
reach AS (
    SELECT creator_id, count(*) AS unique_customers
      FROM (SELECT DISTINCT creator_id, customer_id FROM scope) pairs
     GROUP BY creator_id
),
stats AS (
    SELECT t.creator_id, t.total_orders, t.total_sales, r.unique_customers, t.last_sale_at
      FROM totals t
      JOIN reach r ON r.creator_id = t.creator_id
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
-- One UNION arm per place the text can be, so each arm can use its own index
-- (trigram indexes where sql/extensions/trgm.sql was applied).
WITH hits AS MATERIALIZED (
    SELECT o.id
      FROM orders o
     WHERE o.note ILIKE $1 ESCAPE '\' OR o.shipping ILIKE $1 ESCAPE '\'
    UNION
    -- OFFSET 0 keeps this a per-customer index lookup: matching customers are few,
    -- but trigram estimates are rough and a misestimate would scan every order.
    SELECT o.id
      FROM customers c
     CROSS JOIN LATERAL (SELECT o.id FROM orders o WHERE o.customer_id = c.id OFFSET 0) o
     WHERE c.name ILIKE $1 ESCAPE '\' OR c.email ILIKE $1 ESCAPE '\'
    UNION
    SELECT o.id
      FROM orders o
     WHERE o.creator_id IN (SELECT e.id FROM employees e WHERE e.name ILIKE $1 ESCAPE '\')
    UNION
    SELECT oi.order_id
      FROM order_items oi
     WHERE oi.product_id IN (SELECT p.id FROM products p WHERE p.name ILIKE $1 ESCAPE '\')
),
-- The page is the newest $2 hits. When the newest 5000 orders hold $2 of them (any
-- common text), they are exactly those; otherwise (a rare text) every hit is looked
-- up and sorted. Either way no plan depends on guessing how many hits there are.
recent_hits AS MATERIALIZED (
    SELECT r.id, r.created_at
      FROM (SELECT o.id, o.created_at
              FROM orders o
             ORDER BY o.created_at DESC, o.id DESC
             LIMIT 5000) r
      JOIN hits h ON h.id = r.id
),
page_ids AS (
    (SELECT id
       FROM recent_hits
      WHERE (SELECT count(*) FROM recent_hits) >= $2
      ORDER BY created_at DESC, id DESC
      LIMIT $2)
    UNION ALL
    SELECT id FROM hits WHERE (SELECT count(*) FROM recent_hits) < $2
),
page AS (
    SELECT o.id, o.created_at, o.status, o.final_total_price, o.customer_id, o.creator_id, o.note
      FROM orders o
     WHERE o.id IN (SELECT id FROM page_ids)
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

-- name: customers_inactive_since
-- Customers with a completed order but none since $9 ("who hasn't ordered recently"), with
-- the same filters as customers_by_criteria ($1-$5; their orders counted in [$6, $7)), top
-- spenders first. The index on orders (customer_id, created_at) answers both tests per
-- customer, so only the quiet customers' orders are summed.
WITH quiet AS MATERIALIZED (
    SELECT c.id, c.name, c.email, coalesce(c.premium, false) AS premium, c.created_at
      FROM customers c
     WHERE ($1::text IS NULL OR c.name ILIKE $1 ESCAPE '\')
       AND ($2::text IS NULL OR c.email ILIKE $2 ESCAPE '\')
       AND ($3::boolean IS NULL OR coalesce(c.premium, false) = $3)
       AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.status = 1)
       AND NOT EXISTS (SELECT 1 FROM orders o
                        WHERE o.customer_id = c.id AND o.status = 1 AND o.created_at >= $9)
),
counted AS (
    SELECT q.*, s.total_orders, coalesce(s.total_spent, 0) AS total_spent, l.last_order_at
      FROM quiet q
     CROSS JOIN LATERAL (
            SELECT count(*) AS total_orders, sum(o.final_total_price) AS total_spent
              FROM orders o
             WHERE o.customer_id = q.id AND o.status = 1
               AND ($6::timestamptz IS NULL OR o.created_at >= $6)
               AND ($7::timestamptz IS NULL OR o.created_at < $7)) s
     CROSS JOIN LATERAL (
            SELECT max(o.created_at) AS last_order_at
              FROM orders o WHERE o.customer_id = q.id AND o.status = 1) l
     WHERE ($4::int IS NULL OR s.total_orders >= $4)
       AND ($5::numeric IS NULL OR coalesce(s.total_spent, 0) >= $5)
)
SELECT id AS customer_id, name AS customer_name, email AS customer_email, premium,
       created_at AS customer_since, total_orders, total_spent, last_order_at,
       count(*) OVER () AS total_count
  FROM counted
 ORDER BY total_spent DESC, name NULLS LAST, id
 LIMIT $8;
