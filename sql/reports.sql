-- Reports to staff: their choices, messages waiting for their next message, the daily
-- report's figures, and low-stock crossings.

-- name: report_settings
-- Each listed staff member's choices (a person with no row has the defaults).
SELECT psid, reports, alerts, report_time FROM staff_report_settings WHERE psid = ANY ($1::text[]);

-- name: report_settings_set
-- Set one choice ($2: reports, alerts or report_time), keeping the others.
INSERT INTO staff_report_settings AS s (psid, reports, alerts, report_time)
VALUES ($1, coalesce($3::boolean, true), coalesce($4::boolean, true), $5::time)
ON CONFLICT (psid) DO UPDATE
   SET reports = CASE WHEN $2 = 'reports' THEN EXCLUDED.reports ELSE s.reports END,
       alerts = CASE WHEN $2 = 'alerts' THEN EXCLUDED.alerts ELSE s.alerts END,
       report_time = CASE WHEN $2 = 'report_time' THEN EXCLUDED.report_time ELSE s.report_time END,
       updated_at = now();

-- name: recent_texts
-- What the person wrote lately (their language decides the report's).
SELECT user_message AS text FROM llm_turns WHERE psid = $1 ORDER BY created_at DESC LIMIT 5;

-- name: waiting_add
-- Keep a message for the person's next message (once per key).
INSERT INTO staff_waiting_messages (psid, key, kind, text) VALUES ($1, $2, $3, $4)
ON CONFLICT (psid, key) DO NOTHING;

-- name: waiting_supersede
-- A report replaces the one still waiting for an earlier day (or the same day: the day's early
-- report); one for a past day (flask digest --date) leaves a newer one waiting.
UPDATE staff_waiting_messages SET claimed_by = 'superseded'
 WHERE psid = $1 AND kind = $2 AND key <> $3 AND claimed_by IS NULL
   AND substr(key, 8, 10) <= substr($3, 8, 10);

-- name: waiting_claim
-- What waited for the person, claimed by the message $2 (a retried job gets the same).
WITH claimed AS (
    UPDATE staff_waiting_messages SET claimed_by = $2
     WHERE psid = $1 AND claimed_by IS NULL
    RETURNING key, kind, text, created_at
)
SELECT key, kind, text, created_at FROM claimed
UNION ALL
SELECT key, kind, text, created_at FROM staff_waiting_messages WHERE psid = $1 AND claimed_by = $2
ORDER BY created_at, key;

-- name: report_recorded
-- Whether a report (or alert) $2 was already recorded for $1: sent through the outbox
-- under $3, or kept waiting.
SELECT EXISTS (SELECT 1 FROM outbox_messages WHERE event_key = $3)
    OR EXISTS (SELECT 1 FROM staff_waiting_messages WHERE psid = $1 AND key = $2) AS recorded;

-- name: shoppers_answered
-- Shoppers the assistant (not the desk: "talk to a person") answered in [$1, $2), and
-- shoppers whose question went to staff.
SELECT (SELECT count(DISTINCT psid) FROM llm_turns
         WHERE role = 'shopper' AND error IS NULL AND model IS DISTINCT FROM 'desk'
           AND created_at >= $1 AND created_at < $2) AS answered,
       (SELECT count(DISTINCT shopper_psid) FROM escalations
         WHERE created_at >= $1 AND created_at < $2) AS to_staff;

-- name: stock_short
-- Active lines at or below their low-stock threshold or out, out first then the fewest left.
SELECT p.name AS product, pi.classification AS variant, pi.stock, pi.low_stock_threshold AS threshold,
       count(*) OVER () AS total, count(*) FILTER (WHERE pi.stock <= 0) OVER () AS out_total
  FROM product_inventory pi
  JOIN products p ON p.id = pi.product_id
 WHERE coalesce(pi.status, 1) = 1 AND (pi.stock <= 0 OR pi.stock <= pi.low_stock_threshold)
 ORDER BY pi.stock > 0, pi.stock, p.name, pi.classification NULLS FIRST
 LIMIT $1;

-- name: stock_crossings
-- Every active line's level now (ok, low: at or below its threshold, out: none left) against
-- the level last seen: a line seen ok that is now low or out, or low and now out, has crossed
-- and becomes an event. A line seen for the first time (the first check, a new product, a
-- reloaded catalog) is only recorded: it did not cross while the shop was watching — unless
-- its stock was changed in the last minutes (an edit just before the first check after a
-- start, not a row as it was inserted or loaded). Back to ok
-- re-arms a line; out → a few → out stays one crossing. Only lines whose level changed are
-- written; one statement, so two checks at once never both find one.
WITH now_level AS (
    SELECT id, product_id, classification, stock, low_stock_threshold,
           updated_at > created_at AND updated_at > now() - interval '10 minutes' AS just_changed,
           CASE WHEN coalesce(status, 1) <> 1 THEN 'ok'
                WHEN stock <= 0 THEN 'out'
                WHEN stock <= low_stock_threshold THEN 'low'
                ELSE 'ok' END AS level
      FROM product_inventory
),
changed AS (
    SELECT n.*, seen.level AS seen_level
      FROM now_level n
      LEFT JOIN stock_alert_state seen ON seen.inventory_id = n.id
     WHERE seen.level IS DISTINCT FROM n.level
       AND NOT coalesce(seen.level = 'out' AND n.level = 'low', false)
),
moved AS (
    INSERT INTO stock_alert_state AS s (inventory_id, level)
    SELECT id, level FROM changed
    ON CONFLICT (inventory_id) DO UPDATE SET level = EXCLUDED.level, since = now()
     WHERE s.level <> EXCLUDED.level
    RETURNING s.inventory_id
)
INSERT INTO stock_alert_events (inventory_id, level, product, variant, stock, threshold)
SELECT c.id, c.level, p.name, c.classification, c.stock, c.low_stock_threshold
  FROM changed c
  JOIN moved m ON m.inventory_id = c.id
  JOIN products p ON p.id = c.product_id
 WHERE (c.seen_level = 'ok' AND c.level IN ('low', 'out'))
    OR (c.seen_level = 'low' AND c.level = 'out')
    OR (c.seen_level IS NULL AND c.level IN ('low', 'out') AND c.just_changed)
 ORDER BY p.name, c.classification NULLS FIRST
RETURNING id;

-- name: stock_batch_open
-- The oldest batch of crossings stamped but not yet recorded for everyone (a run that stopped).
SELECT min(batch) AS batch FROM stock_alert_events WHERE notified_at IS NULL AND batch IS NOT NULL;

-- name: stock_batch_new
-- Stamp the crossings found and not yet in a batch as the next batch.
WITH next AS (SELECT coalesce(max(batch), 0) + 1 AS batch FROM stock_alert_events)
UPDATE stock_alert_events SET batch = (SELECT batch FROM next)
 WHERE notified_at IS NULL AND batch IS NULL
RETURNING batch;

-- name: stock_batch_events
-- The crossings of batch $1, in the order found.
SELECT id, level, product, variant, stock, threshold FROM stock_alert_events
 WHERE batch = $1 ORDER BY id;

-- name: stock_events_done
-- Batch $1 is recorded for every recipient.
UPDATE stock_alert_events SET notified_at = now() WHERE batch = $1;

-- name: unsent_report_keys
-- Reports or alerts recorded for sending and not yet settled (a crash or a send error).
SELECT DISTINCT event_key FROM outbox_messages
 WHERE purpose = $1 AND state IN ('pending', 'sending', 'ambiguous')
 ORDER BY event_key;
