-- The shop schema and the message pipeline's tables.
-- Idempotent: applying it twice is a no-op. Plain SQL for PostgreSQL 15+ with
-- no extensions (gen_random_uuid() is built in since 13; CREATE OR REPLACE
-- TRIGGER since 14). Optional extensions live in their own files.
-- Columns beyond the contract are nullable or have defaults, so other systems
-- (a point of sale) can insert rows naming only the contract's columns.

CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

-- ---------------------------------------------------------------- shop data

CREATE TABLE IF NOT EXISTS employees (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name           text NOT NULL,
    role           text,
    permissions    jsonb,
    status         int DEFAULT 1,          -- 1 active, 0 inactive
    hire_date      date,
    end_date       date,
    messenger_psid text UNIQUE,            -- the staff member's page-scoped id
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS customers (
    id         text PRIMARY KEY,           -- Messenger PSID, or any stable id
    name       text,
    address    text,
    email      text,
    phone      text,
    status     int DEFAULT 1,
    premium    boolean DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS products (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name            text NOT NULL,
    category        text,
    images          jsonb,
    brand           text,
    origin          text,
    expiry_duration int,                   -- days
    description     text,
    condition       text,
    creator_id      uuid REFERENCES employees (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS product_inventory (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    product_id          uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    classification      text,              -- the variant: size, flavour
    price               numeric(12, 2) NOT NULL,
    stock               int NOT NULL DEFAULT 0,
    barcode             text UNIQUE,
    low_stock_threshold int NOT NULL DEFAULT 0,
    creator_id          uuid REFERENCES employees (id) ON DELETE SET NULL,
    status              int DEFAULT 1,     -- 1 active
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS product_media (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    url         text NOT NULL,
    product_id  uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    media_type  text,                      -- image / video
    description text,
    creator_id  uuid REFERENCES employees (id) ON DELETE SET NULL,
    status      int DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS orders (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    creator_id        uuid REFERENCES employees (id) ON DELETE SET NULL,
    customer_id       text NOT NULL REFERENCES customers (id),
    status            int NOT NULL,        -- 0 pending, 1 completed, 2 cancelled, 3 refunded
    order_type        int,
    invoice_requested boolean DEFAULT false,
    receipt_url       text,
    invoice_url       text,
    total_quantity    int,
    subtotal_price    numeric(12, 2),
    discount          numeric(12, 2) DEFAULT 0,
    discount_type     text,
    tax               numeric(12, 2) DEFAULT 0,
    final_total_price numeric(12, 2) NOT NULL,
    payment_method    text,                -- as entered: 'cash', 'Banking', 'bank', 'card'
    shipping          text,
    note              text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS order_items (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    creator_id   uuid,
    order_id     uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id   uuid NOT NULL REFERENCES products (id),
    inventory_id uuid NOT NULL REFERENCES product_inventory (id),
    customer_id  text REFERENCES customers (id),
    quantity     int NOT NULL,
    discount     text,
    total_price  numeric(12, 2) NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- An order's own number in the system it came from ("HD000123", "#1001"), kept by the
-- importer (importer/), whose order ids are made from it.
ALTER TABLE orders ADD COLUMN IF NOT EXISTS code text;
CREATE UNIQUE INDEX IF NOT EXISTS orders_code_idx ON orders (code) WHERE code IS NOT NULL;

-- A phone number's digits with the country code ($2) in front of a national number, however
-- it was typed ("0901 234 567", "+84 901 234 567", "0084901234567" → "84901234567"); the
-- importer matches customers by it (importer/values.py `phone` reads the same way).
CREATE OR REPLACE FUNCTION shop_phone_digits(value text, country_code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN btrim(value) LIKE '00%' THEN substr(d, 3)
        WHEN btrim(value) LIKE '+%' THEN d
        WHEN d LIKE '0%' THEN country_code || substr(d, 2)
        WHEN d LIKE country_code || '%' AND length(d) >= 11 THEN d
        ELSE country_code || d
    END
    FROM (SELECT regexp_replace(value, '[^0-9]', '', 'g') AS d) AS digits
$$;

-- ------------------------------------------------------------ conversations

CREATE TABLE IF NOT EXISTS session (
    id         uuid PRIMARY KEY,           -- uuid7, made by the application
    message    jsonb NOT NULL DEFAULT '{"messages": []}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS users_sessions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id  text NOT NULL,            -- the sender's PSID; staff chat too, so no FK
    session_id   uuid NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    highlights   jsonb,
    status       int DEFAULT 1,            -- 1 open, 0 closed (reset or a new day)
    session_date date,                     -- the shop-local day the session belongs to
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE users_sessions ADD COLUMN IF NOT EXISTS session_date date;

-- One row per assistant turn: the audit trail of models, tokens, costs and tools.
CREATE TABLE IF NOT EXISTS llm_turns (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    psid              text NOT NULL,
    session_id        uuid,
    role              text NOT NULL,       -- owner / shopper
    user_message      text,
    reply             text,
    model             text,
    prompt_tokens     int DEFAULT 0,
    completion_tokens int DEFAULT 0,
    cost_usd          numeric(12, 6),
    latency_ms        int,
    rounds            int DEFAULT 0,
    tool_calls        jsonb NOT NULL DEFAULT '[]'::jsonb,
    fidelity_flags    jsonb NOT NULL DEFAULT '[]'::jsonb,
    error             text,
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- ----------------------------------------------------------------- pipeline

-- Every webhook event we accepted, keyed by its message id (or a stable key).
CREATE TABLE IF NOT EXISTS inbox_events (
    event_key   text PRIMARY KEY,
    psid        text,
    kind        text NOT NULL,
    payload     jsonb NOT NULL,
    state       text NOT NULL DEFAULT 'received',  -- received, processing, done, ignored, failed
    attempts    int NOT NULL DEFAULT 0,
    error       text,
    received_at timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Every message we send or would send, one row per part, so a restart resends only what is missing.
CREATE TABLE IF NOT EXISTS outbox_messages (
    id             bigserial PRIMARY KEY,
    event_key      text NOT NULL,
    part           int NOT NULL,
    recipient_psid text NOT NULL,
    body           jsonb NOT NULL,
    state          text NOT NULL DEFAULT 'pending',  -- pending, sending, sent, dry_run, failed, ambiguous
    attempts       int NOT NULL DEFAULT 0,
    message_id     text,
    error          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    sent_at        timestamptz,
    UNIQUE (event_key, part)
);

-- Send API details of each part (what kind of message, to whom about what).
ALTER TABLE outbox_messages ADD COLUMN IF NOT EXISTS messaging_type text NOT NULL DEFAULT 'RESPONSE';
ALTER TABLE outbox_messages ADD COLUMN IF NOT EXISTS tag text;
ALTER TABLE outbox_messages ADD COLUMN IF NOT EXISTS purpose text NOT NULL DEFAULT 'reply';
ALTER TABLE outbox_messages ADD COLUMN IF NOT EXISTS escalation_id bigint;

-- ------------------------------------------------------------ ask the shop
-- Lower-case and strip Vietnamese/Latin accents, exactly as core.text.fold does in Python.
CREATE OR REPLACE FUNCTION shop_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT translate(lower(value),
        'àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđäöüëïçñ',
        'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyydaoueicn')
$$;

-- Folded, with everything but letters and digits removed: "Wi-Fi" = "wifi".
CREATE OR REPLACE FUNCTION shop_squash(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT regexp_replace(shop_fold(value), '[^[:alnum:]]+', '', 'g')
$$;

-- A name as the importer keys it (importer/orders.py `key`): composed (NFC), folded, trimmed,
-- spacing collapsed ("Cà  phê " = "ca phe"), to match the shop's own rows.
CREATE OR REPLACE FUNCTION shop_name_key(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT regexp_replace(btrim(shop_fold(normalize(value, NFC))), '\s+', ' ', 'g')
$$;

-- A product's searchable words, as written and accent-folded ("Trà Sữa" and "tra sua"):
-- the full-text half of product search, indexed below. Immutable, so it can be indexed;
-- queries call it with the same arguments to use the index. Self-contained (the fold map
-- is shop_fold's): PostgreSQL 17+ builds indexes with a search_path of pg_catalog only.
CREATE OR REPLACE FUNCTION product_search_vector(name text, category text, brand text,
                                                 description text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.to_tsvector('simple'::regconfig,
        pg_catalog.concat_ws(' ', name, category, brand, description) || ' ' ||
        pg_catalog.translate(pg_catalog.lower(pg_catalog.concat_ws(' ', name, category, brand,
                                                                   description)),
            'àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđäöüëïçñ',
            'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyydaoueicn'))
$$;
-- Stored (computed by PostgreSQL on every insert and update, whoever writes the row), so
-- ranking thousands of matches does not recompute it.
ALTER TABLE products ADD COLUMN IF NOT EXISTS search_vector tsvector
    GENERATED ALWAYS AS (product_search_vector(name, category, brand, description)) STORED;
DROP INDEX IF EXISTS products_search_idx;  -- the expression index this column replaced
CREATE INDEX IF NOT EXISTS products_search_vector_idx ON products USING gin (search_vector);
-- The name lower-cased and accent-folded ("tra sua tran chau"), for names the shopper types.
ALTER TABLE products ADD COLUMN IF NOT EXISTS name_folded text
    GENERATED ALWAYS AS (pg_catalog.translate(pg_catalog.lower(name),
        'àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđäöüëïçñ',
        'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyydaoueicn')) STORED;
CREATE INDEX IF NOT EXISTS products_name_folded_idx ON products (name_folded text_pattern_ops);

-- What the shop knows that no other table holds: delivery area, opening hours, policies.
-- The search vector holds the words as written and accent-folded ("giao hàng" and "giao hang").
CREATE TABLE IF NOT EXISTS shop_knowledge (
    id            bigserial PRIMARY KEY,             -- shown as #id ("forget #12")
    question      text NOT NULL,
    answer        text NOT NULL,
    employee_id   uuid REFERENCES employees (id) ON DELETE SET NULL,  -- who added it
    added_by      text,                              -- their PSID, or "cli"
    source        text NOT NULL DEFAULT 'manual' CHECK (source IN ('staff_answer', 'manual')),
    escalation_id bigint UNIQUE,                     -- the escalation it was learnt from
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', question || ' ' || answer || ' ' || shop_fold(question || ' ' || answer))
    ) STORED
);
CREATE INDEX IF NOT EXISTS shop_knowledge_search_idx ON shop_knowledge USING gin (search_vector);

-- A shopper's question or problem handed to the staff: #id in every message about it.
CREATE TABLE IF NOT EXISTS escalations (
    id                bigserial PRIMARY KEY,
    event_key         text NOT NULL UNIQUE,          -- the shopper's message: one escalation each
    shopper_psid      text NOT NULL,
    shopper_mid       text,
    shopper_name      text,
    question          text NOT NULL,
    shopper_message   text,
    kind              text NOT NULL CHECK (kind IN ('question', 'support')),
    language          text NOT NULL DEFAULT 'en',
    targets           jsonb NOT NULL DEFAULT '[]'::jsonb,  -- [{psid, name, role}] asked
    status            text NOT NULL DEFAULT 'requested'
                      CHECK (status IN ('requested', 'answered', 'closed', 'expired')),
    answer            text,
    answered_by_psid  text,
    answered_by_name  text,
    answer_event_key  text,                          -- the staff message that answered it
    save_to_knowledge boolean,
    knowledge_id      bigint,
    relay_text        text,                          -- the answer as the shopper gets it
    relay_state       text,                          -- queued, waiting (outside the window)
    relay_event_key   text,                          -- the job whose outbox carries the relay
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    answered_at       timestamptz,
    closed_at         timestamptz
);
CREATE INDEX IF NOT EXISTS escalations_status_idx ON escalations (status, created_at);
CREATE INDEX IF NOT EXISTS escalations_shopper_idx ON escalations (shopper_psid, created_at DESC);
CREATE INDEX IF NOT EXISTS escalations_relay_idx ON escalations (shopper_psid)
    WHERE relay_state = 'waiting';

-- Threads a person holds in the Page Inbox (Handover Protocol): the assistant stays silent.
CREATE TABLE IF NOT EXISTS thread_control (
    psid          text PRIMARY KEY,
    escalation_id bigint,
    passed_by     text,                              -- the staff PSID, or 'shopper'
    since         timestamptz NOT NULL DEFAULT now()
);
-- The message that passed the thread: its own retried job still sends what it must.
ALTER TABLE thread_control ADD COLUMN IF NOT EXISTS event_key text;

-- What each staff member was last told about pending escalations (no nagging).
CREATE TABLE IF NOT EXISTS staff_notices (
    psid     text PRIMARY KEY,
    refs     jsonb NOT NULL DEFAULT '[]'::jsonb,
    told_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE staff_notices ADD COLUMN IF NOT EXISTS event_key text;  -- the message told

-- ------------------------------------------------------------------ privacy
-- "Delete my data" replaces the person's words in other people's records with a marker:
-- each of `patterns` by the `replacements` entry at its position, in order (database/privacy.py
-- builds the arrays); inside JSON, a string equal to one of `exact` becomes `marker` whole.
CREATE OR REPLACE FUNCTION scrub_text(value text, patterns text[], replacements text[])
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    END IF;
    FOR i IN 1 .. coalesce(array_length(patterns, 1), 0) LOOP
        value := replace(value, patterns[i], replacements[i]);
    END LOOP;
    RETURN value;
END
$$;

CREATE OR REPLACE FUNCTION scrub_jsonb(doc jsonb, patterns text[], replacements text[],
                                       exact text[], marker text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    CASE jsonb_typeof(doc)
    WHEN 'string' THEN
        IF (doc #>> '{}') = ANY (exact) THEN
            RETURN to_jsonb(marker);
        END IF;
        RETURN to_jsonb(scrub_text(doc #>> '{}', patterns, replacements));
    WHEN 'array' THEN
        RETURN coalesce((SELECT jsonb_agg(scrub_jsonb(e.value, patterns, replacements, exact,
                                                      marker) ORDER BY e.n)
                           FROM jsonb_array_elements(doc) WITH ORDINALITY AS e(value, n)),
                        '[]'::jsonb);
    WHEN 'object' THEN
        RETURN coalesce((SELECT jsonb_object_agg(e.key, scrub_jsonb(e.value, patterns,
                                                                    replacements, exact, marker))
                           FROM jsonb_each(doc) AS e), '{}'::jsonb);
    ELSE
        RETURN doc;
    END CASE;
END
$$;

-- Whether `value` contains one of `probes` (cheap, before scrubbing); NULL probes: it may.
CREATE OR REPLACE FUNCTION mentions_any(value text, probes text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT probes IS NULL
        OR EXISTS (SELECT 1 FROM unnest(probes) AS p WHERE strpos(value, p) > 0)
$$;

-- ------------------------------------------------------------------ indexes
-- Completed orders by local-date range: covering, so sums come from the index.
CREATE INDEX IF NOT EXISTS orders_completed_created_idx
    ON orders (created_at) INCLUDE (final_total_price, tax, discount, creator_id, customer_id)
    WHERE status = 1;
CREATE INDEX IF NOT EXISTS orders_created_idx ON orders (created_at);
CREATE INDEX IF NOT EXISTS orders_customer_created_idx ON orders (customer_id, created_at);
-- A customer's completed orders by time: "is this their first?" (new customers) from the index.
CREATE INDEX IF NOT EXISTS orders_customer_completed_idx
    ON orders (customer_id, created_at) WHERE status = 1;
CREATE INDEX IF NOT EXISTS orders_creator_created_idx ON orders (creator_id, created_at);
CREATE INDEX IF NOT EXISTS order_items_order_idx
    ON order_items (order_id) INCLUDE (inventory_id, product_id, quantity, total_price);
CREATE INDEX IF NOT EXISTS order_items_inventory_idx ON order_items (inventory_id);
-- Orders containing a product (text search by product name) without visiting the heap.
CREATE INDEX IF NOT EXISTS order_items_product_order_idx
    ON order_items (product_id) INCLUDE (order_id);
DROP INDEX IF EXISTS order_items_product_idx;  -- superseded by the covering one above
CREATE INDEX IF NOT EXISTS product_inventory_product_idx ON product_inventory (product_id);
CREATE INDEX IF NOT EXISTS product_media_product_idx ON product_media (product_id);
CREATE INDEX IF NOT EXISTS customers_email_lower_idx ON customers (lower(email));
CREATE INDEX IF NOT EXISTS users_sessions_customer_idx
    ON users_sessions (customer_id, created_at DESC);
CREATE INDEX IF NOT EXISTS llm_turns_psid_idx ON llm_turns (psid, created_at DESC);
CREATE INDEX IF NOT EXISTS inbox_events_psid_idx ON inbox_events (psid, received_at);
CREATE INDEX IF NOT EXISTS inbox_events_state_idx ON inbox_events (state) WHERE state <> 'done';
CREATE INDEX IF NOT EXISTS outbox_messages_recipient_idx
    ON outbox_messages (recipient_psid, created_at);
CREATE INDEX IF NOT EXISTS outbox_messages_message_id_idx
    ON outbox_messages (message_id) WHERE message_id IS NOT NULL;

-- When the sender sent each message (Meta's timestamp): the per-sender rate limit reads it.
ALTER TABLE inbox_events ADD COLUMN IF NOT EXISTS sent_at timestamptz;
CREATE INDEX IF NOT EXISTS inbox_events_psid_sent_idx ON inbox_events (psid, sent_at)
    WHERE sent_at IS NOT NULL;
-- A person replying from the Page Inbox pauses the assistant until this time (NULL: a
-- handover, which lasts until the thread comes back or HANDOVER_TIMEOUT_HOURS).
ALTER TABLE thread_control ADD COLUMN IF NOT EXISTS until timestamptz;

-- Problems people must see, shared by every process (a rejected page token).
CREATE TABLE IF NOT EXISTS service_status (
    name   text PRIMARY KEY,
    state  text NOT NULL,
    detail text,
    since  timestamptz NOT NULL DEFAULT now()
);

-- ----------------------------------------------------------------- triggers
CREATE OR REPLACE TRIGGER employees_updated_at BEFORE UPDATE ON employees
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER customers_updated_at BEFORE UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER products_updated_at BEFORE UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER product_inventory_updated_at BEFORE UPDATE ON product_inventory
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER product_media_updated_at BEFORE UPDATE ON product_media
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER orders_updated_at BEFORE UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER order_items_updated_at BEFORE UPDATE ON order_items
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER session_updated_at BEFORE UPDATE ON session
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER users_sessions_updated_at BEFORE UPDATE ON users_sessions
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER inbox_events_updated_at BEFORE UPDATE ON inbox_events
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER outbox_messages_updated_at BEFORE UPDATE ON outbox_messages
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER shop_knowledge_updated_at BEFORE UPDATE ON shop_knowledge
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER escalations_updated_at BEFORE UPDATE ON escalations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Data deletion requests received through Meta's callback (the status page reads them).
CREATE TABLE IF NOT EXISTS data_deletions (
    confirmation_code text PRIMARY KEY,
    user_id_hash      text NOT NULL,
    deleted_sessions  int NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now()
);
-- What each request found: deleted, nothing stored or could not map (rows from before this
-- column were answered "deleted" without a check: unverified).
ALTER TABLE data_deletions ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'unverified';
-- sha256 of the signed_request: a replay is answered with the same code and does nothing more.
ALTER TABLE data_deletions ADD COLUMN IF NOT EXISTS request_hash text;
CREATE UNIQUE INDEX IF NOT EXISTS data_deletions_request_idx ON data_deletions (request_hash);


-- ------------------------------------------------------------------ metrics rollups
-- Sums of the shop's orders by shop-local day, kept exact by the database itself: statement
-- triggers with transition tables add every insert, update and delete of orders and order
-- items, whoever writes them (the app, a POS, psql, COPY). Keyed by time zone, so processes
-- with different SHOP_TIMEZONE settings on one database each read their own zone's days. A
-- zone is built from the base tables when init_database first meets it, and rebuilt when
-- the sums no longer match the tables (rows written with triggers off, e.g. a bulk load with
-- session_replication_role = replica). Questions the rollups cannot answer read the tables.
CREATE TABLE IF NOT EXISTS metrics_zones (
    zone     text PRIMARY KEY,
    built_at timestamptz NOT NULL DEFAULT now()
);

-- A free-text value as the metrics compare it: lower case, single spaces, trimmed.
CREATE OR REPLACE FUNCTION metrics_spelling(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.lower(pg_catalog.regexp_replace(pg_catalog.btrim(value), '\s+', ' ', 'g'))
$$;

-- Orders by local day, status, staff member and payment spelling.
CREATE TABLE IF NOT EXISTS metrics_order_days (
    zone        text NOT NULL,
    day         date NOT NULL,
    status      smallint NOT NULL,
    employee_id uuid,
    payment     text,
    orders      bigint NOT NULL DEFAULT 0,
    total       numeric NOT NULL DEFAULT 0,
    tax         numeric NOT NULL DEFAULT 0,
    discount    numeric NOT NULL DEFAULT 0,
    units       bigint NOT NULL DEFAULT 0,
    CONSTRAINT metrics_order_days_key
        UNIQUE NULLS NOT DISTINCT (zone, day, status, employee_id, payment)
);
-- Orders by local day and hour, and status.
CREATE TABLE IF NOT EXISTS metrics_order_hours (
    zone     text NOT NULL,
    day      date NOT NULL,
    hour     smallint NOT NULL,
    status   smallint NOT NULL,
    orders   bigint NOT NULL DEFAULT 0,
    total    numeric NOT NULL DEFAULT 0,
    tax      numeric NOT NULL DEFAULT 0,
    discount numeric NOT NULL DEFAULT 0,
    units    bigint NOT NULL DEFAULT 0,
    CONSTRAINT metrics_order_hours_key UNIQUE (zone, day, hour, status)
);

-- Order items by local day (and by month, for long ranges), status and inventory line.
CREATE TABLE IF NOT EXISTS metrics_item_days (
    zone         text NOT NULL,
    day          date NOT NULL,
    status       smallint NOT NULL,
    product_id   uuid NOT NULL,
    inventory_id uuid NOT NULL,
    lines        bigint NOT NULL DEFAULT 0,             -- item rows (0: all taken away)
    units        bigint NOT NULL DEFAULT 0,
    total        numeric NOT NULL DEFAULT 0,
    CONSTRAINT metrics_item_days_key UNIQUE (zone, day, status, product_id, inventory_id)
);
CREATE TABLE IF NOT EXISTS metrics_item_months (
    zone         text NOT NULL,
    month        date NOT NULL,
    status       smallint NOT NULL,
    product_id   uuid NOT NULL,
    inventory_id uuid NOT NULL,
    lines        bigint NOT NULL DEFAULT 0,
    units        bigint NOT NULL DEFAULT 0,
    total        numeric NOT NULL DEFAULT 0,
    CONSTRAINT metrics_item_months_key UNIQUE (zone, month, status, product_id, inventory_id)
);

-- Orders by local month, status and customer (for customers, their count and ranking).
CREATE TABLE IF NOT EXISTS metrics_customer_months (
    zone        text NOT NULL,
    month       date NOT NULL,
    status      smallint NOT NULL,
    customer_id text NOT NULL,
    orders      bigint NOT NULL DEFAULT 0,
    total       numeric NOT NULL DEFAULT 0,
    tax         numeric NOT NULL DEFAULT 0,
    discount    numeric NOT NULL DEFAULT 0,
    units       bigint NOT NULL DEFAULT 0,
    CONSTRAINT metrics_customer_months_key UNIQUE (zone, month, status, customer_id)
);
-- Ranking customers over whole months reads this index alone, already in customer order: no
-- heap visits and no hashing of ~50k groups (a year by customer at 1M orders).
CREATE INDEX IF NOT EXISTS metrics_customer_months_by_customer
    ON metrics_customer_months (zone, status, customer_id, month)
    INCLUDE (orders, total, tax, discount, units);

-- Each customer's first completed order (no zone: an instant). New customers are those whose
-- first completed order falls in the period.
CREATE TABLE IF NOT EXISTS metrics_customer_first (
    customer_id text PRIMARY KEY,
    first_at    timestamptz,            -- NULL: no completed order (any more)
    first_order uuid
);
CREATE INDEX IF NOT EXISTS metrics_customer_first_at_idx ON metrics_customer_first (first_at);

-- Signed sums, one per (zone, order time, status, staff member, payment spelling, customer),
-- into the order days, hours and customer months (one statement: all or none).
CREATE OR REPLACE FUNCTION metrics_add_order_sums(
    zones text[], ats timestamptz[], statuses int[], employees uuid[], payments text[],
    customers text[], counts bigint[], totals numeric[], taxes numeric[], discounts numeric[],
    units bigint[])
RETURNS void
LANGUAGE sql AS $$
    WITH delta AS MATERIALIZED (
        SELECT d.zone, timezone(d.zone, d.at)::date AS day,
               extract(hour FROM timezone(d.zone, d.at))::smallint AS hour, d.status,
               d.employee, metrics_spelling(d.payment) AS payment, d.customer, d.n, d.total,
               d.tax, d.discount, d.units
          FROM unnest(zones, ats, statuses, employees, payments, customers, counts, totals,
                      taxes, discounts, units)
               AS d(zone, at, status, employee, payment, customer, n, total, tax, discount,
                    units)
    ),
    customer_months AS (
        INSERT INTO metrics_customer_months AS t
               (zone, month, status, customer_id, orders, total, tax, discount, units)
        SELECT zone, date_trunc('month', day)::date, status, customer, sum(n), sum(total),
               sum(tax), sum(discount), sum(units)
          FROM delta GROUP BY 1, 2, 3, 4
        ON CONFLICT ON CONSTRAINT metrics_customer_months_key DO UPDATE
           SET orders = t.orders + EXCLUDED.orders, total = t.total + EXCLUDED.total,
               tax = t.tax + EXCLUDED.tax, discount = t.discount + EXCLUDED.discount,
               units = t.units + EXCLUDED.units
        RETURNING 1
    ),
    days AS (
        INSERT INTO metrics_order_days AS t
               (zone, day, status, employee_id, payment, orders, total, tax, discount, units)
        SELECT zone, day, status, employee, payment, sum(n), sum(total), sum(tax),
               sum(discount), sum(units)
          FROM delta GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT ON CONSTRAINT metrics_order_days_key DO UPDATE
           SET orders = t.orders + EXCLUDED.orders, total = t.total + EXCLUDED.total,
               tax = t.tax + EXCLUDED.tax, discount = t.discount + EXCLUDED.discount,
               units = t.units + EXCLUDED.units
        RETURNING 1
    )
    INSERT INTO metrics_order_hours AS t
           (zone, day, hour, status, orders, total, tax, discount, units)
    SELECT zone, day, hour, status, sum(n), sum(total), sum(tax), sum(discount), sum(units)
      FROM delta GROUP BY 1, 2, 3, 4
    ON CONFLICT ON CONSTRAINT metrics_order_hours_key DO UPDATE
       SET orders = t.orders + EXCLUDED.orders, total = t.total + EXCLUDED.total,
           tax = t.tax + EXCLUDED.tax, discount = t.discount + EXCLUDED.discount,
           units = t.units + EXCLUDED.units
$$;

-- Signed orders (sign +1 added, -1 taken away) into every zone's order days and hours;
-- units are the orders' items as they are now.
CREATE OR REPLACE FUNCTION metrics_add_orders(
    ids uuid[], ats timestamptz[], statuses int[], employees uuid[], payments text[],
    customers text[], totals numeric[], taxes numeric[], discounts numeric[], signs int[])
RETURNS void
LANGUAGE sql AS $$
    SELECT metrics_add_order_sums(
        array_agg(z.zone), array_agg(d.at), array_agg(d.status), array_agg(d.employee),
        array_agg(d.payment), array_agg(d.customer), array_agg(d.sign::bigint),
        array_agg(d.sign * d.total), array_agg(d.sign * coalesce(d.tax, 0)),
        array_agg(d.sign * coalesce(d.discount, 0)),
        array_agg((d.sign * coalesce(u.units, 0))::bigint))
      FROM unnest(ids, ats, statuses, employees, payments, customers, totals, taxes,
                  discounts, signs)
           AS d(id, at, status, employee, payment, customer, total, tax, discount, sign)
     CROSS JOIN metrics_zones z
      LEFT JOIN LATERAL (SELECT sum(i.quantity)::bigint AS units FROM order_items i
                          WHERE i.order_id = d.id) u ON true
$$;

-- Signed order items, with their order's time and status, into every zone's item days and
-- months (and, when `with_units`, their quantities into the order hours).
CREATE OR REPLACE FUNCTION metrics_add_items(
    product_ids uuid[], line_ids uuid[], ats timestamptz[], statuses int[], employees uuid[],
    payments text[], customers text[], quantities bigint[], totals numeric[], signs int[],
    with_units boolean)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO metrics_item_days AS t
           (zone, day, status, product_id, inventory_id, lines, units, total)
    SELECT z.zone, timezone(z.zone, d.at)::date, d.status, d.product, d.line, sum(d.sign),
           sum(d.sign * d.quantity), sum(d.sign * d.total)
      FROM unnest(product_ids, line_ids, ats, statuses, quantities, totals, signs)
           AS d(product, line, at, status, quantity, total, sign)
     CROSS JOIN metrics_zones z
     GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT ON CONSTRAINT metrics_item_days_key DO UPDATE
       SET lines = t.lines + EXCLUDED.lines, units = t.units + EXCLUDED.units,
           total = t.total + EXCLUDED.total;
    INSERT INTO metrics_item_months AS t
           (zone, month, status, product_id, inventory_id, lines, units, total)
    SELECT z.zone, date_trunc('month', timezone(z.zone, d.at))::date, d.status, d.product,
           d.line, sum(d.sign), sum(d.sign * d.quantity), sum(d.sign * d.total)
      FROM unnest(product_ids, line_ids, ats, statuses, quantities, totals, signs)
           AS d(product, line, at, status, quantity, total, sign)
     CROSS JOIN metrics_zones z
     GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT ON CONSTRAINT metrics_item_months_key DO UPDATE
       SET lines = t.lines + EXCLUDED.lines, units = t.units + EXCLUDED.units,
           total = t.total + EXCLUDED.total;
    IF with_units THEN
        PERFORM metrics_add_order_sums(
            array_agg(z.zone), array_agg(d.at), array_agg(d.status), array_agg(d.employee),
            array_agg(d.payment), array_agg(d.customer), array_agg(0::bigint),
            array_agg(0::numeric), array_agg(0::numeric), array_agg(0::numeric),
            array_agg(d.sign * d.quantity::bigint))
          FROM unnest(ats, statuses, employees, payments, customers, quantities, signs)
               AS d(at, status, employee, payment, customer, quantity, sign)
         CROSS JOIN metrics_zones z;
    END IF;
END
$$;

-- Recompute the first completed order of these customers (ignoring `going`, an order being
-- deleted).
CREATE OR REPLACE FUNCTION metrics_first_orders(customer_ids text[], going uuid) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO metrics_customer_first AS t (customer_id, first_at, first_order)
    SELECT c.id, f.created_at, f.id
      FROM unnest(customer_ids) AS c(id)
      LEFT JOIN LATERAL (SELECT o.created_at, o.id FROM orders o
                          WHERE o.customer_id = c.id AND o.status = 1
                            AND o.id IS DISTINCT FROM going
                          ORDER BY o.created_at, o.id LIMIT 1) f ON true
     WHERE c.id IS NOT NULL
    ON CONFLICT (customer_id) DO UPDATE
       SET first_at = EXCLUDED.first_at, first_order = EXCLUDED.first_order
$$;

CREATE OR REPLACE FUNCTION metrics_orders_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM metrics_zones) THEN
        PERFORM metrics_add_orders(array_agg(id), array_agg(created_at), array_agg(status),
                                   array_agg(creator_id), array_agg(payment_method),
                                   array_agg(customer_id), array_agg(final_total_price),
                                   array_agg(tax), array_agg(discount), array_agg(1))
           FROM new_rows;
        PERFORM metrics_first_orders(array_agg(DISTINCT customer_id), NULL)
           FROM new_rows WHERE status = 1;
    END IF;
    RETURN NULL;
END
$$;

-- An update moves an order's sums, and its items', from the old bucket to the new one.
CREATE OR REPLACE FUNCTION metrics_orders_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM metrics_zones) THEN
        RETURN NULL;
    END IF;
    PERFORM metrics_add_orders(array_agg(d.id), array_agg(d.at), array_agg(d.status),
                               array_agg(d.employee), array_agg(d.payment),
                               array_agg(d.customer), array_agg(d.total), array_agg(d.tax),
                               array_agg(d.discount), array_agg(d.sign))
       FROM (SELECT n.id, n.created_at, n.status, n.creator_id, n.payment_method,
                    n.customer_id, n.final_total_price, n.tax, n.discount, 1
               FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE (n.created_at, n.status, n.creator_id, n.payment_method, n.customer_id,
                     n.final_total_price, n.tax, n.discount)
                    IS DISTINCT FROM (o.created_at, o.status, o.creator_id, o.payment_method,
                                      o.customer_id, o.final_total_price, o.tax, o.discount)
             UNION ALL
             SELECT o.id, o.created_at, o.status, o.creator_id, o.payment_method,
                    o.customer_id, o.final_total_price, o.tax, o.discount, -1
               FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE (n.created_at, n.status, n.creator_id, n.payment_method, n.customer_id,
                     n.final_total_price, n.tax, n.discount)
                    IS DISTINCT FROM (o.created_at, o.status, o.creator_id, o.payment_method,
                                      o.customer_id, o.final_total_price, o.tax, o.discount))
            AS d(id, at, status, employee, payment, customer, total, tax, discount, sign);
    PERFORM metrics_add_items(array_agg(i.product_id), array_agg(i.inventory_id),
                              array_agg(m.at), array_agg(m.status), array_agg(m.employee),
                              array_agg(m.payment), array_agg(m.customer),
                              array_agg(i.quantity::bigint), array_agg(i.total_price),
                              array_agg(m.sign), false)
       FROM (SELECT n.id, n.created_at, n.status, n.creator_id, n.payment_method,
                    n.customer_id, 1
               FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE (n.created_at, n.status) IS DISTINCT FROM (o.created_at, o.status)
             UNION ALL
             SELECT o.id, o.created_at, o.status, o.creator_id, o.payment_method,
                    o.customer_id, -1
               FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE (n.created_at, n.status) IS DISTINCT FROM (o.created_at, o.status))
            AS m(id, at, status, employee, payment, customer, sign)
       JOIN order_items i ON i.order_id = m.id;
    PERFORM metrics_first_orders(array_agg(DISTINCT c.customer_id), NULL)
       FROM (SELECT n.customer_id FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE (n.created_at, n.status, n.customer_id)
                    IS DISTINCT FROM (o.created_at, o.status, o.customer_id)
             UNION
             SELECT o.customer_id FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE (n.created_at, n.status, n.customer_id)
                    IS DISTINCT FROM (o.created_at, o.status, o.customer_id)) c;
    RETURN NULL;
END
$$;

-- Before an order goes, its sums and its items' go (its items are deleted by the cascade
-- after the order row, when the order can no longer be read).
CREATE OR REPLACE FUNCTION metrics_order_deleting() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM metrics_zones) THEN
        PERFORM metrics_add_orders(ARRAY[OLD.id], ARRAY[OLD.created_at], ARRAY[OLD.status],
                                   ARRAY[OLD.creator_id], ARRAY[OLD.payment_method],
                                   ARRAY[OLD.customer_id], ARRAY[OLD.final_total_price],
                                   ARRAY[OLD.tax], ARRAY[OLD.discount], ARRAY[-1]);
        PERFORM metrics_add_items(array_agg(i.product_id), array_agg(i.inventory_id),
                                  array_agg(OLD.created_at), array_agg(OLD.status),
                                  array_agg(OLD.creator_id), array_agg(OLD.payment_method),
                                  array_agg(OLD.customer_id), array_agg(i.quantity::bigint),
                                  array_agg(i.total_price), array_agg(-1), false)
           FROM order_items i WHERE i.order_id = OLD.id;
        PERFORM metrics_first_orders(ARRAY[OLD.customer_id], OLD.id);
    END IF;
    RETURN OLD;
END
$$;

CREATE OR REPLACE FUNCTION metrics_items_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM metrics_zones) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM metrics_add_items(array_agg(i.product_id), array_agg(i.inventory_id),
                                  array_agg(o.created_at), array_agg(o.status),
                                  array_agg(o.creator_id), array_agg(o.payment_method),
                                  array_agg(o.customer_id), array_agg(i.quantity::bigint),
                                  array_agg(i.total_price),
                                  array_agg(1), true)
           FROM new_rows i JOIN orders o ON o.id = i.order_id;
    ELSIF TG_OP = 'DELETE' THEN
        -- Items deleted with their order were taken away before the order went.
        PERFORM metrics_add_items(array_agg(i.product_id), array_agg(i.inventory_id),
                                  array_agg(o.created_at), array_agg(o.status),
                                  array_agg(o.creator_id), array_agg(o.payment_method),
                                  array_agg(o.customer_id), array_agg(i.quantity::bigint),
                                  array_agg(i.total_price),
                                  array_agg(-1), true)
           FROM old_rows i JOIN orders o ON o.id = i.order_id;
    ELSE
        PERFORM metrics_add_items(array_agg(d.product_id), array_agg(d.inventory_id),
                                  array_agg(o.created_at), array_agg(o.status),
                                  array_agg(o.creator_id), array_agg(o.payment_method),
                                  array_agg(o.customer_id), array_agg(d.quantity::bigint),
                                  array_agg(d.total_price),
                                  array_agg(d.sign), true)
           FROM (SELECT n.order_id, n.product_id, n.inventory_id, n.quantity, n.total_price, 1
                   FROM new_rows n JOIN old_rows p ON p.id = n.id
                  WHERE (n.order_id, n.product_id, n.inventory_id, n.quantity, n.total_price)
                        IS DISTINCT FROM
                        (p.order_id, p.product_id, p.inventory_id, p.quantity, p.total_price)
                 UNION ALL
                 SELECT p.order_id, p.product_id, p.inventory_id, p.quantity, p.total_price, -1
                   FROM new_rows n JOIN old_rows p ON p.id = n.id
                  WHERE (n.order_id, n.product_id, n.inventory_id, n.quantity, n.total_price)
                        IS DISTINCT FROM
                        (p.order_id, p.product_id, p.inventory_id, p.quantity, p.total_price))
                AS d(order_id, product_id, inventory_id, quantity, total_price, sign)
           JOIN orders o ON o.id = d.order_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION metrics_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM metrics_item_days;
    DELETE FROM metrics_item_months;
    IF TG_TABLE_NAME = 'orders' THEN
        DELETE FROM metrics_order_days;
        DELETE FROM metrics_order_hours;
        DELETE FROM metrics_customer_months;
        DELETE FROM metrics_customer_first;
    ELSE
        UPDATE metrics_order_days SET units = 0 WHERE units <> 0;
        UPDATE metrics_order_hours SET units = 0 WHERE units <> 0;
        UPDATE metrics_customer_months SET units = 0 WHERE units <> 0;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER metrics_orders_insert AFTER INSERT ON orders
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics_orders_inserted();
CREATE OR REPLACE TRIGGER metrics_orders_update AFTER UPDATE ON orders
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION metrics_orders_updated();
CREATE OR REPLACE TRIGGER metrics_orders_delete BEFORE DELETE ON orders
    FOR EACH ROW EXECUTE FUNCTION metrics_order_deleting();
CREATE OR REPLACE TRIGGER metrics_orders_truncate AFTER TRUNCATE ON orders
    FOR EACH STATEMENT EXECUTE FUNCTION metrics_truncated();
CREATE OR REPLACE TRIGGER metrics_items_insert AFTER INSERT ON order_items
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics_items_changed();
CREATE OR REPLACE TRIGGER metrics_items_update AFTER UPDATE ON order_items
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION metrics_items_changed();
CREATE OR REPLACE TRIGGER metrics_items_delete AFTER DELETE ON order_items
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics_items_changed();
CREATE OR REPLACE TRIGGER metrics_items_truncate AFTER TRUNCATE ON order_items
    FOR EACH STATEMENT EXECUTE FUNCTION metrics_truncated();

-- Build one zone's sums from the tables (the caller holds a SHARE lock on both tables, so no
-- write lands between the build and the zone's registration).
CREATE OR REPLACE FUNCTION metrics_build_zone(tz text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM metrics_order_days WHERE zone = tz;
    DELETE FROM metrics_order_hours WHERE zone = tz;
    DELETE FROM metrics_customer_months WHERE zone = tz;
    DELETE FROM metrics_item_days WHERE zone = tz;
    DELETE FROM metrics_item_months WHERE zone = tz;
    CREATE TEMP TABLE metrics_build ON COMMIT DROP AS
    SELECT l.ts::date AS day, extract(hour FROM l.ts)::smallint AS hour, o.status,
           o.creator_id AS employee_id, metrics_spelling(o.payment_method) AS payment,
           o.customer_id,
           count(*) AS orders, sum(o.final_total_price) AS total,
           sum(coalesce(o.tax, 0)) AS tax, sum(coalesce(o.discount, 0)) AS discount,
           coalesce(sum(u.units), 0) AS units
      FROM orders o
     CROSS JOIN LATERAL (SELECT timezone(tz, o.created_at) AS ts) l
      LEFT JOIN (SELECT order_id, sum(quantity) AS units FROM order_items GROUP BY order_id) u
             ON u.order_id = o.id
     GROUP BY 1, 2, 3, 4, 5, 6;
    INSERT INTO metrics_order_days
           (zone, day, status, employee_id, payment, orders, total, tax, discount, units)
    SELECT tz, day, status, employee_id, payment, sum(orders), sum(total), sum(tax),
           sum(discount), sum(units)
      FROM metrics_build GROUP BY 2, 3, 4, 5;
    INSERT INTO metrics_order_hours (zone, day, hour, status, orders, total, tax, discount, units)
    SELECT tz, day, hour, status, sum(orders), sum(total), sum(tax), sum(discount), sum(units)
      FROM metrics_build GROUP BY 2, 3, 4;
    INSERT INTO metrics_customer_months
           (zone, month, status, customer_id, orders, total, tax, discount, units)
    SELECT tz, date_trunc('month', day)::date, status, customer_id, sum(orders), sum(total),
           sum(tax), sum(discount), sum(units)
      FROM metrics_build GROUP BY 2, 3, 4;
    DROP TABLE metrics_build;
    -- The first completed orders hold no zone: rebuilt whole with any zone.
    DELETE FROM metrics_customer_first;
    INSERT INTO metrics_customer_first (customer_id, first_at, first_order)
    SELECT DISTINCT ON (customer_id) customer_id, created_at, id
      FROM orders WHERE status = 1
     ORDER BY customer_id, created_at, id;
    INSERT INTO metrics_item_days
           (zone, day, status, product_id, inventory_id, lines, units, total)
    SELECT tz, timezone(tz, o.created_at)::date, o.status, i.product_id, i.inventory_id,
           count(*), sum(i.quantity), sum(i.total_price)
      FROM order_items i JOIN orders o ON o.id = i.order_id
     GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO metrics_item_months
           (zone, month, status, product_id, inventory_id, lines, units, total)
    SELECT zone, date_trunc('month', day)::date, status, product_id, inventory_id, sum(lines),
           sum(units), sum(total)
      FROM metrics_item_days WHERE zone = tz
     GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO metrics_zones (zone) VALUES (tz)
        ON CONFLICT (zone) DO UPDATE SET built_at = now();
END
$$;

-- A picture an outgoing part carries (a chart): kept with its part so a retried job uploads the
-- same file; the Send API's attachment id once uploaded, so a resumed send does not upload twice.
CREATE TABLE IF NOT EXISTS outbox_files (
    part_id       bigint PRIMARY KEY REFERENCES outbox_messages (id) ON DELETE CASCADE,
    filename      text NOT NULL,
    content_type  text NOT NULL,
    content       bytea NOT NULL,
    attachment_id text,
    uploaded_at   timestamptz
);

-- ------------------------------------------------------------ reports to staff
-- What each staff member chose in chat: the daily report and stock alerts on or off, and the
-- report's time (NULL: DIGEST_HOUR).
CREATE TABLE IF NOT EXISTS staff_report_settings (
    psid        text PRIMARY KEY,
    reports     boolean NOT NULL DEFAULT true,
    alerts      boolean NOT NULL DEFAULT true,
    report_time time,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Messages for a staff member outside Messenger's 24-hour window: they wait for the person's
-- next message ("While you were away: …"). `key` names the report (digest:<day>) or the
-- alerts (alerts:<first>-<last>); `claimed_by` is the event that delivered it (or
-- 'superseded' for a report a newer one replaced).
CREATE TABLE IF NOT EXISTS staff_waiting_messages (
    psid       text NOT NULL,
    key        text NOT NULL,
    kind       text NOT NULL,  -- digest or alert
    text       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    claimed_by text,
    PRIMARY KEY (psid, key)
);
CREATE INDEX IF NOT EXISTS staff_waiting_messages_open_idx
    ON staff_waiting_messages (psid) WHERE claimed_by IS NULL;

-- Each inventory line's stock level as the low-stock check last saw it (ok, low, out): a
-- crossing is a change from ok to low or out, or from low to out (sql/reports.sql).
CREATE TABLE IF NOT EXISTS stock_alert_state (
    inventory_id uuid PRIMARY KEY REFERENCES product_inventory (id) ON DELETE CASCADE,
    level        text NOT NULL,  -- ok, low or out
    since        timestamptz NOT NULL DEFAULT now()
);
-- Each crossing found, until it has been recorded for the staff (notified_at).
CREATE TABLE IF NOT EXISTS stock_alert_events (
    id           bigserial PRIMARY KEY,
    inventory_id uuid NOT NULL,
    level        text NOT NULL,
    product      text NOT NULL,
    variant      text,
    stock        int NOT NULL,
    threshold    int NOT NULL,
    found_at     timestamptz NOT NULL DEFAULT now(),
    notified_at  timestamptz
);
-- The check that told the staff about an event: a crash and a later check never mix batches.
ALTER TABLE stock_alert_events ADD COLUMN IF NOT EXISTS batch bigint;
CREATE INDEX IF NOT EXISTS stock_alert_events_open_idx
    ON stock_alert_events (id) WHERE notified_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_messages_unsent_idx ON outbox_messages (purpose)
    WHERE state IN ('pending', 'sending', 'ambiguous');
