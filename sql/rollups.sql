-- Checks of the metrics rollups against the tables they sum (database/rollups.py).

-- name: zone_registered
-- Whether a time zone's rollups were built.
SELECT 1 FROM metrics_zones WHERE zone = $1;

-- name: orders_by_status
-- The tables' orders: count and total by status.
SELECT status AS key, count(*) AS n, sum(final_total_price) AS total
  FROM orders GROUP BY status;

-- name: rolled_orders_by_status
-- The zone's order hours: count and total by status.
SELECT status AS key, sum(orders) AS n, sum(total) AS total
  FROM metrics_order_hours WHERE zone = $1 GROUP BY status;

-- name: items_total
-- The tables' order items: units and total (those with an order).
SELECT 0 AS key, coalesce(sum(quantity), 0) AS n, sum(total_price) AS total FROM order_items;

-- name: rolled_items_total
-- The zone's item days: units and total.
SELECT 0 AS key, coalesce(sum(units), 0) AS n, sum(total) AS total
  FROM metrics_item_days WHERE zone = $1;

-- name: order_units
-- The tables' units, counted per order (what the order hours keep).
SELECT 0 AS key, coalesce(sum(quantity), 0) AS n, 0 AS total FROM order_items;

-- name: rolled_order_units
-- The zone's order hours: units.
SELECT 0 AS key, coalesce(sum(units), 0) AS n, 0 AS total
  FROM metrics_order_hours WHERE zone = $1;

-- name: analyze_rollups
-- Statistics for the rollup tables after a build (a freshly filled table without them gets
-- plans a hundred times too slow). The tables are database/rollups.py's ROLLUP_TABLES.
ANALYZE metrics_order_days, metrics_order_hours, metrics_item_days, metrics_item_months,
        metrics_customer_months, metrics_customer_first;
