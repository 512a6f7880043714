-- Optional: trigram GIN indexes for the analytics' substring searches (ILIKE '%text%').
-- Applied by database.extensions only where the server offers pg_trgm; without it
-- the same queries run unchanged (sequential scans), with identical results.
-- Idempotent: applying it twice is a no-op. pg_trgm is a trusted extension
-- (PostgreSQL 13+), so a database owner may create it without superuser rights.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- search_orders_by_text: the order's own text.
CREATE INDEX IF NOT EXISTS orders_note_trgm_idx ON orders USING gin (note gin_trgm_ops);
CREATE INDEX IF NOT EXISTS orders_shipping_trgm_idx ON orders USING gin (shipping gin_trgm_ops);
-- search_orders_by_text and find_customers_by_criteria.
CREATE INDEX IF NOT EXISTS customers_name_trgm_idx ON customers USING gin (name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS customers_email_trgm_idx ON customers USING gin (email gin_trgm_ops);
-- employee_name filters of revenue, sales summary, employee metrics and text search.
CREATE INDEX IF NOT EXISTS employees_name_trgm_idx ON employees USING gin (name gin_trgm_ops);
-- search_orders_by_text and find_products_by_criteria.
CREATE INDEX IF NOT EXISTS products_name_trgm_idx ON products USING gin (name gin_trgm_ops);
