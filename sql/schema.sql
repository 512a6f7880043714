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
