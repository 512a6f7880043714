-- Bringing a shop's own data in (importer/, database/imports.py): rows are COPYed into
-- temporary staging tables, checked and grouped here, then written with set-based upserts.
-- Ids come from natural keys (md5 of the key, as a uuid), so a second import of the same
-- file finds every row it wrote and changes nothing: an upsert rewrites a row only when a
-- value differs, and its RETURNING tells created (xmax = 0) from updated. Rows the shop's
-- own app wrote are matched (barcode, folded name, phone, e-mail) and linked, never deleted.

-- name: stage_order_lines
-- The staging table of an orders file: one row per order line, as read (importer/orders.py).
CREATE TEMP TABLE import_lines (
    line           int NOT NULL,
    code           text COLLATE "C" NOT NULL,  -- compared and sorted, never shown in order
    ordered_at     timestamptz,
    customer_name  text,
    phone          text,
    email          text,
    employee       text,
    payment_method text,
    status         int,
    order_discount text,               -- amounts come as text (see `type_order_lines`)
    tax            text,
    shipping_fee   text,
    order_total    text,
    note           text,
    address        text,
    product_name   text,
    variant        text,
    product_code   text,
    category       text,
    quantity       int,
    unit_price     text,
    line_total     text,
    bad            boolean NOT NULL,
    product_key    text,
    variant_key    text,
    employee_key   text,
    customer_key   text,
    n              int,                -- the line's place in its order (1, 2, …)
    vkey           text COLLATE "C"    -- its variant: '#code', else 'name|variant' folded
) ON COMMIT DROP;

-- name: type_order_lines
-- The staged amounts as numbers: they are sent as text, because encoding Python Decimals
-- for a binary COPY is most of the client's COPY time; the server converts them at once.
ALTER TABLE import_lines
      ALTER COLUMN order_discount TYPE numeric USING order_discount::numeric,
      ALTER COLUMN tax TYPE numeric USING tax::numeric,
      ALTER COLUMN shipping_fee TYPE numeric USING shipping_fee::numeric,
      ALTER COLUMN order_total TYPE numeric USING order_total::numeric,
      ALTER COLUMN unit_price TYPE numeric USING unit_price::numeric,
      ALTER COLUMN line_total TYPE numeric USING line_total::numeric;

-- name: group_orders
-- The staged lines grouped into orders: an order-level value is the first one given (by
-- line), a bad line makes its order bad. The lines reach the aggregates sorted by code and
-- line, so each array holds its values in line order: one sort for all fourteen of them
-- (an ORDER BY inside each aggregate sorted every group fourteen times). A temporary table
-- is never scanned in parallel, so the order holds.
CREATE TEMP TABLE import_orders ON COMMIT DROP AS
SELECT code,
       min(line) AS first_line,
       bool_or(bad) AS bad,
       count(*) AS lines,
       (array_agg(ordered_at) FILTER (WHERE ordered_at IS NOT NULL))[1] AS ordered_at,
       (array_agg(customer_key) FILTER (WHERE customer_key IS NOT NULL))[1]
           AS customer_key,
       (array_agg(customer_name) FILTER (WHERE customer_name IS NOT NULL))[1]
           AS customer_name,
       (array_agg(phone) FILTER (WHERE phone IS NOT NULL))[1] AS phone,
       (array_agg(email) FILTER (WHERE email IS NOT NULL))[1] AS email,
       (array_agg(employee) FILTER (WHERE employee IS NOT NULL))[1] AS employee,
       (array_agg(employee_key) FILTER (WHERE employee_key IS NOT NULL))[1]
           AS employee_key,
       (array_agg(payment_method) FILTER (WHERE payment_method IS NOT NULL))[1]
           AS payment_method,
       (array_agg(status) FILTER (WHERE status IS NOT NULL))[1] AS status,
       (array_agg(order_discount) FILTER (WHERE order_discount IS NOT NULL))[1]
           AS order_discount,
       (array_agg(tax) FILTER (WHERE tax IS NOT NULL))[1] AS tax,
       (array_agg(shipping_fee) FILTER (WHERE shipping_fee IS NOT NULL))[1] AS shipping_fee,
       (array_agg(order_total) FILTER (WHERE order_total IS NOT NULL))[1]
           AS order_total,
       (array_agg(note) FILTER (WHERE note IS NOT NULL))[1] AS note,
       (array_agg(address) FILTER (WHERE address IS NOT NULL))[1] AS address,
       sum(line_total) AS lines_total,
       sum(quantity) AS units
  FROM (SELECT * FROM import_lines ORDER BY code, line) AS sorted
 GROUP BY code;
ANALYZE import_orders;

-- name: order_problems
-- Orders whose lines read but do not make an order: no date on any line, line totals (less
-- the order discount, plus tax and shipping) that miss the file's order total by more than
-- rounding (half a percent of the total, at least a hundredth per line), or sums too large
-- to store. Marks them bad and returns (line, field, reason).
WITH found AS (
    SELECT code, first_line AS line, 'ordered_at' AS field, 'missing order date' AS reason
      FROM import_orders
     WHERE NOT bad AND ordered_at IS NULL
    UNION ALL
    SELECT code, first_line, 'order_total',
           format('the lines add up to %s, the order total is %s',
                  trim_scale(lines_total - coalesce(order_discount, 0) + coalesce(tax, 0)
                             + coalesce(shipping_fee, 0)),
                  trim_scale(order_total))
      FROM import_orders
     WHERE NOT bad AND ordered_at IS NOT NULL AND order_total IS NOT NULL
       AND abs(lines_total - coalesce(order_discount, 0) + coalesce(tax, 0)
               + coalesce(shipping_fee, 0) - order_total)
           > greatest(0.005 * abs(order_total), 0.01 * lines)
    UNION ALL
    SELECT code, first_line, 'quantity', 'the order is too large to store'
      FROM import_orders
     WHERE NOT bad AND (abs(lines_total) >= 1e10 OR units >= 2147483648
                        OR abs(coalesce(order_total, 0)) >= 1e10)
), marked AS (
    UPDATE import_orders o SET bad = true FROM found f WHERE o.code = f.code
)
SELECT line, field, reason FROM found ORDER BY line;

-- name: skipped_lines
-- The lines without a problem of their own whose order is skipped (another line's problem).
SELECT l.line, l.code
  FROM import_lines l JOIN import_orders o USING (code)
 WHERE o.bad AND NOT l.bad AND l.code <> ''
 ORDER BY l.line;

-- name: skipped_counts
-- How many orders and lines of the file are skipped (an order with any problem).
SELECT count(*) FILTER (WHERE code <> '') AS orders, coalesce(sum(lines), 0) AS lines
  FROM import_orders WHERE bad;

-- name: stage_variants_from_items
-- Each variant the good orders sell, named and priced by its latest line.
CREATE TEMP TABLE import_variants ON COMMIT DROP AS
SELECT DISTINCT ON (l.vkey)
       l.vkey, l.product_key, l.variant_key, l.product_name AS name,
       nullif(l.variant, '') AS variant, l.product_code AS code, l.category,
       NULL::text AS brand, NULL::text AS description, l.unit_price AS price,
       NULL::int AS stock, NULL::int AS threshold, l.line,
       NULL::uuid AS product_id, NULL::uuid AS inventory_id
  FROM import_lines l JOIN import_orders o USING (code)
 WHERE NOT o.bad
 ORDER BY l.vkey, o.ordered_at DESC, l.line DESC;

-- name: stage_product_rows
-- The staging table of a products file: one row per variant (importer/catalog.py).
CREATE TEMP TABLE import_variants (
    vkey         text,
    product_key  text NOT NULL,
    variant_key  text NOT NULL,
    name         text NOT NULL,
    variant      text,
    code         text,
    category     text,
    brand        text,
    description  text,
    price        numeric,
    stock        int,
    threshold    int,
    line         int NOT NULL,
    product_id   uuid,
    inventory_id uuid
) ON COMMIT DROP;

-- name: dedupe_product_rows
-- A products file naming one variant twice: the last row wins.
DELETE FROM import_variants a USING import_variants b
 WHERE a.vkey = b.vkey AND a.line < b.line;

-- name: resolve_variants
-- Each variant's product and inventory line: an existing line with its barcode; else the
-- existing product of the same name as keyed (shop_name_key; the oldest) and its line of
-- the same variant (the import's own first, so a re-import picks the same one); else new
-- ids from the keys.
UPDATE import_variants v SET inventory_id = pi.id, product_id = pi.product_id
  FROM product_inventory pi WHERE pi.barcode = v.code;
UPDATE import_variants v SET product_id = p.id
  FROM (SELECT DISTINCT ON (key) id, key
          FROM (SELECT id, created_at, shop_name_key(name) AS key FROM products) k
         ORDER BY key, created_at, id) p
 WHERE v.product_id IS NULL AND p.key = v.product_key;
UPDATE import_variants SET product_id = md5('product:' || product_key)::uuid
 WHERE product_id IS NULL;
UPDATE import_variants v
   SET inventory_id = coalesce(
       (SELECT pi.id FROM product_inventory pi
         WHERE pi.product_id = v.product_id
           AND shop_name_key(coalesce(pi.classification, '')) = v.variant_key
           AND (v.code IS NULL OR pi.barcode IS NULL)
         ORDER BY pi.id = md5('inventory:' || v.vkey)::uuid DESC, pi.created_at, pi.id
         LIMIT 1),
       md5('inventory:' || v.vkey)::uuid)
 WHERE v.inventory_id IS NULL;

-- name: add_products
-- New products and inventory lines (an orders file only adds what the shop has not got;
-- a new line is priced by its latest sale). Returns the counts of each.
WITH products_up AS (
    INSERT INTO products (id, name, category)
    SELECT DISTINCT ON (product_id) product_id, name, category
      FROM import_variants ORDER BY product_id, line
    ON CONFLICT (id) DO NOTHING
    RETURNING id
), inventory_up AS (
    INSERT INTO product_inventory (id, product_id, classification, price, barcode, stock,
                                   low_stock_threshold)
    SELECT inventory_id, product_id, variant, coalesce(price, 0), code, coalesce(stock, 0),
           coalesce(threshold, 0)
      FROM import_variants
    ON CONFLICT (id) DO NOTHING
    RETURNING id
)
SELECT (SELECT count(*) FROM products_up) AS products,
       (SELECT count(*) FROM inventory_up) AS inventory;

-- name: update_products
-- A products file's category, brand or description replaces the shop's where it differs.
WITH changed AS (
    UPDATE products p
       SET category = coalesce(v.category, p.category),
           brand = coalesce(v.brand, p.brand),
           description = coalesce(v.description, p.description),
           updated_at = now()
      FROM (SELECT DISTINCT ON (product_id) * FROM import_variants
             ORDER BY product_id, line DESC) v
     WHERE p.id = v.product_id
       AND (p.category, p.brand, p.description)
           IS DISTINCT FROM (coalesce(v.category, p.category), coalesce(v.brand, p.brand),
                             coalesce(v.description, p.description))
    RETURNING p.id
)
SELECT count(*) FROM changed;

-- name: update_inventory
-- A products file's price, stock and low-stock threshold replace the shop's where they differ.
WITH changed AS (
    UPDATE product_inventory pi
       SET price = coalesce(v.price, pi.price),
           stock = coalesce(v.stock, pi.stock),
           low_stock_threshold = coalesce(v.threshold, pi.low_stock_threshold),
           updated_at = now()
      FROM import_variants v
     WHERE pi.id = v.inventory_id
       AND (pi.price, pi.stock, pi.low_stock_threshold)
           IS DISTINCT FROM (coalesce(v.price, pi.price), coalesce(v.stock, pi.stock),
                             coalesce(v.threshold, pi.low_stock_threshold))
    RETURNING pi.id
)
SELECT count(*) FROM changed;

-- name: variant_counts
-- How many distinct products and inventory lines the staged rows name.
SELECT count(DISTINCT product_id) AS products, count(DISTINCT inventory_id) AS inventory
  FROM import_variants;

-- name: stage_people
-- The staging table of the people the rows name: customers (key: phone, else e-mail, else
-- folded name) and employees (key: folded name), with what the rows say of them.
CREATE TEMP TABLE import_people (
    kind     text NOT NULL,             -- customer / employee
    key      text NOT NULL,
    name     text,
    phone    text,
    email    text,
    address  text,
    role     text,
    at       timestamptz,               -- when the row was true (an order's time)
    line     int NOT NULL,
    id       text
) ON COMMIT DROP;

-- name: people_from_orders
-- The good orders' customers and sellers (the latest order's details win), and the walk-in
-- customer when an order names nobody.
INSERT INTO import_people (kind, key, name, phone, email, address, at, line)
SELECT 'customer', customer_key, customer_name, phone, email, address, ordered_at, first_line
  FROM import_orders WHERE NOT bad AND customer_key IS NOT NULL;
INSERT INTO import_people (kind, key, name, at, line)
SELECT 'employee', employee_key, employee, ordered_at, first_line
  FROM import_orders WHERE NOT bad AND employee_key IS NOT NULL;
INSERT INTO import_people (kind, key, line)
SELECT 'customer', 'walk-in', min(first_line)
  FROM import_orders WHERE NOT bad AND customer_key IS NULL HAVING count(*) > 0;

-- name: resolve_people
-- One row per person, the latest details winning (missing ones taken from earlier rows),
-- matched to the shop's own rows: customers by phone ($1: the country's calling code) or
-- e-mail, employees by folded name; else ids from the key ("tel:+84…", "mailto:…",
-- "name:…" for customers; md5 uuids for employees).
CREATE TEMP TABLE import_persons ON COMMIT DROP AS
SELECT kind, key,
       (array_agg(name ORDER BY at DESC NULLS LAST, line DESC)
            FILTER (WHERE name IS NOT NULL))[1] AS name,
       (array_agg(phone ORDER BY at DESC NULLS LAST, line DESC)
            FILTER (WHERE phone IS NOT NULL))[1] AS phone,
       (array_agg(email ORDER BY at DESC NULLS LAST, line DESC)
            FILTER (WHERE email IS NOT NULL))[1] AS email,
       (array_agg(address ORDER BY at DESC NULLS LAST, line DESC)
            FILTER (WHERE address IS NOT NULL))[1] AS address,
       (array_agg(role ORDER BY at DESC NULLS LAST, line DESC)
            FILTER (WHERE role IS NOT NULL))[1] AS role,
       NULL::text AS id, false AS existing
  FROM import_people GROUP BY kind, key;
ANALYZE import_persons;
UPDATE import_persons p SET id = c.id, existing = true
  FROM (SELECT DISTINCT ON (digits) id, digits
          FROM (SELECT id, created_at, shop_phone_digits(phone, $1) AS digits
                  FROM customers WHERE phone IS NOT NULL) d
         ORDER BY digits, created_at, id) c
 WHERE p.kind = 'customer' AND p.phone IS NOT NULL AND c.digits = substr(p.phone, 2);
UPDATE import_persons p SET id = c.id, existing = true
  FROM (SELECT DISTINCT ON (lower(email)) id, lower(email) AS email
          FROM customers WHERE email IS NOT NULL ORDER BY lower(email), created_at, id) c
 WHERE p.kind = 'customer' AND p.id IS NULL AND p.email IS NOT NULL
   AND c.email = lower(p.email);
UPDATE import_persons p SET id = e.id::text, existing = true
  FROM (SELECT DISTINCT ON (key) id, key
          FROM (SELECT id, created_at, shop_name_key(name) AS key FROM employees) k
         ORDER BY key, created_at, id) e
 WHERE p.kind = 'employee' AND e.key = p.key;
UPDATE import_persons SET id = CASE kind WHEN 'employee' THEN md5('employee:' || key)::uuid::text
                                         ELSE key END
 WHERE id IS NULL;
UPDATE import_persons SET existing = (kind = 'customer' AND id <> key);

-- name: upsert_customers
-- Customers: new ones added; one the import made takes the latest details, one the shop's
-- app made only gets the details it lacks. Returns (created, updated).
WITH added AS (
    INSERT INTO customers (id, name, phone, email, address)
    SELECT id, coalesce(name, CASE WHEN key = 'walk-in' THEN $1 END), phone, email, address
      FROM import_persons WHERE kind = 'customer'
    ON CONFLICT (id) DO NOTHING
    RETURNING id
), changed AS (
    UPDATE customers c
       SET name = CASE WHEN p.existing THEN coalesce(c.name, p.name)
                       ELSE coalesce(p.name, c.name) END,
           phone = CASE WHEN p.existing THEN coalesce(c.phone, p.phone)
                        ELSE coalesce(p.phone, c.phone) END,
           email = CASE WHEN p.existing THEN coalesce(c.email, p.email)
                        ELSE coalesce(p.email, c.email) END,
           address = CASE WHEN p.existing THEN coalesce(c.address, p.address)
                          ELSE coalesce(p.address, c.address) END,
           updated_at = now()
      FROM import_persons p
     WHERE p.kind = 'customer' AND c.id = p.id
       AND (c.name, c.phone, c.email, c.address) IS DISTINCT FROM (
           CASE WHEN p.existing THEN coalesce(c.name, p.name) ELSE coalesce(p.name, c.name) END,
           CASE WHEN p.existing THEN coalesce(c.phone, p.phone)
                ELSE coalesce(p.phone, c.phone) END,
           CASE WHEN p.existing THEN coalesce(c.email, p.email)
                ELSE coalesce(p.email, c.email) END,
           CASE WHEN p.existing THEN coalesce(c.address, p.address)
                ELSE coalesce(p.address, c.address) END)
    RETURNING c.id
)
SELECT (SELECT count(*) FROM added) AS created, (SELECT count(*) FROM changed) AS updated;

-- name: upsert_employees
-- Employees: new ones added (role "staff" unless the file says). A role the file gives
-- replaces one the import set itself, or fills a missing one — never the role of staff the
-- shop's app made (a role decides who sees the shop's numbers). Returns (created, updated).
WITH added AS (
    INSERT INTO employees (id, name, role)
    SELECT id::uuid, name, coalesce(role, 'staff')
      FROM import_persons WHERE kind = 'employee'
    ON CONFLICT (id) DO NOTHING
    RETURNING id
), changed AS (
    UPDATE employees e SET role = p.role, updated_at = now()
      FROM import_persons p
     WHERE p.kind = 'employee' AND e.id = p.id::uuid AND p.role IS NOT NULL
       AND e.role IS DISTINCT FROM p.role
       AND (e.role IS NULL OR e.id = md5('employee:' || p.key)::uuid)
       AND e.messenger_psid IS NULL
    RETURNING e.id
)
SELECT (SELECT count(*) FROM added) AS created, (SELECT count(*) FROM changed) AS updated;

-- name: upsert_orders
-- The good orders, their id md5('order:' || code): written when new or when a value
-- differs (a status turned refunded, a corrected total). Returns (created, updated).
WITH rows AS (
    SELECT md5('order:' || o.code)::uuid AS id, o.code, e.id::uuid AS creator_id,
           coalesce(c.id, 'walk-in') AS customer_id, coalesce(o.status, 1) AS status,
           o.units::int AS total_quantity, o.lines_total AS subtotal_price,
           coalesce(o.order_discount, 0) AS discount, coalesce(o.tax, 0) AS tax,
           coalesce(o.order_total,
                    o.lines_total - coalesce(o.order_discount, 0) + coalesce(o.tax, 0)
                    + coalesce(o.shipping_fee, 0))
               AS final_total_price,
           o.payment_method, o.address AS shipping, o.note, o.ordered_at AS created_at
      FROM import_orders o
      LEFT JOIN import_persons e ON e.kind = 'employee' AND e.key = o.employee_key
      LEFT JOIN import_persons c ON c.kind = 'customer' AND c.key = o.customer_key
     WHERE NOT o.bad
), changed AS (  -- only new and differing rows reach the upsert (which would lock the rest)
    SELECT r.* FROM rows r LEFT JOIN orders t ON t.id = r.id
     WHERE t.id IS NULL
        OR (t.creator_id, t.customer_id, t.status, t.total_quantity, t.subtotal_price,
            t.discount, t.tax, t.final_total_price, t.payment_method, t.shipping, t.note,
            t.created_at)
           IS DISTINCT FROM
           (r.creator_id, r.customer_id, r.status, r.total_quantity, r.subtotal_price,
            r.discount, r.tax, r.final_total_price, r.payment_method, r.shipping, r.note,
            r.created_at)
), up AS (
    INSERT INTO orders AS t (id, code, creator_id, customer_id, status, total_quantity,
                             subtotal_price, discount, tax, final_total_price, payment_method,
                             shipping, note, created_at)
    SELECT * FROM changed ORDER BY id
    ON CONFLICT (id) DO UPDATE
       SET creator_id = excluded.creator_id, customer_id = excluded.customer_id,
           status = excluded.status, total_quantity = excluded.total_quantity,
           subtotal_price = excluded.subtotal_price, discount = excluded.discount,
           tax = excluded.tax, final_total_price = excluded.final_total_price,
           payment_method = excluded.payment_method, shipping = excluded.shipping,
           note = excluded.note, created_at = excluded.created_at, updated_at = now()
     WHERE (t.creator_id, t.customer_id, t.status, t.total_quantity, t.subtotal_price,
            t.discount, t.tax, t.final_total_price, t.payment_method, t.shipping, t.note,
            t.created_at)
           IS DISTINCT FROM
           (excluded.creator_id, excluded.customer_id, excluded.status,
            excluded.total_quantity, excluded.subtotal_price, excluded.discount, excluded.tax,
            excluded.final_total_price, excluded.payment_method, excluded.shipping,
            excluded.note, excluded.created_at)
    RETURNING xmax = 0 AS created
)
SELECT count(*) FILTER (WHERE created) AS created,
       count(*) FILTER (WHERE NOT created) AS updated
  FROM up;

-- name: upsert_items
-- The good orders' lines, written when new or when a value differs; lines an order no
-- longer has (a later export dropped one) are removed. The n-th line of order `code` has
-- the order's id with n in its last 8 hex digits: stable, and the lines of an order sit
-- together, so the rows, sorted by id, go into the indexes in order (random ids made a
-- large first import several times slower). Returns (lines, created, updated, removed).
WITH rows AS (
    SELECT (left(md5('order:' || l.code), 24) || lpad(to_hex(l.n), 8, '0'))::uuid AS id,
           md5('order:' || l.code)::uuid AS order_id, v.product_id, v.inventory_id,
           coalesce(c.id, 'walk-in') AS customer_id, l.quantity, l.line_total AS total_price,
           o.ordered_at AS created_at
      FROM import_lines l
      JOIN import_orders o USING (code)
      JOIN import_variants v USING (vkey)
      LEFT JOIN import_persons c ON c.kind = 'customer' AND c.key = o.customer_key
     WHERE NOT o.bad
), changed AS (  -- only new and differing rows reach the upsert (which would lock the rest)
    SELECT r.* FROM rows r LEFT JOIN order_items t ON t.id = r.id
     WHERE t.id IS NULL
        OR (t.order_id, t.product_id, t.inventory_id, t.customer_id, t.quantity,
            t.total_price, t.created_at)
           IS DISTINCT FROM
           (r.order_id, r.product_id, r.inventory_id, r.customer_id, r.quantity,
            r.total_price, r.created_at)
), up AS (
    INSERT INTO order_items AS t (id, order_id, product_id, inventory_id, customer_id,
                                  quantity, total_price, created_at)
    SELECT * FROM changed ORDER BY id
    ON CONFLICT (id) DO UPDATE
       SET product_id = excluded.product_id, inventory_id = excluded.inventory_id,
           customer_id = excluded.customer_id, quantity = excluded.quantity,
           total_price = excluded.total_price, created_at = excluded.created_at,
           updated_at = now()
     WHERE (t.order_id, t.product_id, t.inventory_id, t.customer_id, t.quantity,
            t.total_price, t.created_at)
           IS DISTINCT FROM
           (excluded.order_id, excluded.product_id, excluded.inventory_id,
            excluded.customer_id, excluded.quantity, excluded.total_price,
            excluded.created_at)
    RETURNING xmax = 0 AS created
), gone AS (  -- an order's lines past its line count now (ids as above; none of the app's)
    DELETE FROM order_items t USING import_orders o
     WHERE NOT o.bad
       AND t.id > (left(md5('order:' || o.code), 24) || lpad(to_hex(o.lines), 8, '0'))::uuid
       AND t.id <= (left(md5('order:' || o.code), 24) || 'ffffffff')::uuid
    RETURNING t.id
)
SELECT (SELECT count(*) FROM rows) AS lines,
       count(*) FILTER (WHERE created) AS created,
       count(*) FILTER (WHERE NOT created) AS updated,
       (SELECT count(*) FROM gone) AS removed
  FROM up;
