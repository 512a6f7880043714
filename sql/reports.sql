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

-- name: stock_baseline
-- The first check ever (rows are returned): the lines already short are recorded without an
-- alert — they did not cross while the shop was watching. One statement, so a crash cannot
-- leave the start recorded without the lines.
WITH started AS (
    INSERT INTO stock_alert_started DEFAULT VALUES ON CONFLICT DO NOTHING RETURNING started_at
),
known AS (
    INSERT INTO stock_alert_state (inventory_id, level)
    SELECT id, CASE WHEN stock <= 0 THEN 'out' ELSE 'low' END
      FROM product_inventory
     WHERE coalesce(status, 1) = 1 AND (stock <= 0 OR stock <= low_stock_threshold)
       AND EXISTS (SELECT 1 FROM started)
    ON CONFLICT (inventory_id) DO NOTHING
    RETURNING inventory_id
)
SELECT started_at, (SELECT count(*) FROM known) AS short FROM started;

-- name: stock_rearm
-- Lines back above their threshold (and above zero), or no longer sold, are alerted again the
-- next time they fall. Nothing else re-arms a line: out → 2 left → out is one alert.
DELETE FROM stock_alert_state s USING product_inventory pi
 WHERE pi.id = s.inventory_id
   AND (coalesce(pi.status, 1) <> 1 OR (pi.stock > 0 AND pi.stock > pi.low_stock_threshold));

-- name: stock_crossings
-- Lines that fell to or below their threshold (or ran out) since the last check: recorded as
-- alerted and as events in one statement, so two checks at once never both find one.
WITH short AS (
    SELECT pi.id, CASE WHEN pi.stock <= 0 THEN 'out' ELSE 'low' END AS level,
           p.name AS product, pi.classification AS variant, pi.stock, pi.low_stock_threshold AS threshold
      FROM product_inventory pi
      JOIN products p ON p.id = pi.product_id
     WHERE coalesce(pi.status, 1) = 1 AND (pi.stock <= 0 OR pi.stock <= pi.low_stock_threshold)
),
crossed AS (
    INSERT INTO stock_alert_state AS s (inventory_id, level)
    SELECT id, level FROM short
    ON CONFLICT (inventory_id) DO UPDATE SET level = EXCLUDED.level, since = now()
     WHERE s.level = 'low' AND EXCLUDED.level = 'out'
    RETURNING s.inventory_id, s.level
)
INSERT INTO stock_alert_events (inventory_id, level, product, variant, stock, threshold)
SELECT c.inventory_id, c.level, s.product, s.variant, s.stock, s.threshold
  FROM crossed c JOIN short s ON s.id = c.inventory_id
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
