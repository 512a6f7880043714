-- The message pipeline's inbox (dedup, state) and outbox (one row per sent part).

-- name: inbox_claim
-- Record (or re-enter) an event; returns its state before this attempt and the attempt number.
WITH prior AS (
    SELECT state FROM inbox_events WHERE event_key = $1
),
claimed AS (
    INSERT INTO inbox_events (event_key, psid, kind, payload, state, attempts)
    VALUES ($1, $2, $3, $4::jsonb, 'processing', 1)
    ON CONFLICT (event_key) DO UPDATE
       SET attempts = inbox_events.attempts + 1,
           state = CASE WHEN inbox_events.state IN ('done', 'ignored')
                        THEN inbox_events.state ELSE 'processing' END
    RETURNING attempts
)
SELECT (SELECT state FROM prior) AS prior_state, (SELECT attempts FROM claimed) AS attempts;

-- name: inbox_finish
-- Set an event's final (or current) state and error.
UPDATE inbox_events SET state = $2, error = $3 WHERE event_key = $1;

-- name: outbox_parts
-- The outgoing parts of an event, in order.
SELECT id, part, recipient_psid, body, state, attempts, message_id, error,
       messaging_type, tag, purpose, escalation_id
  FROM outbox_messages
 WHERE event_key = $1
 ORDER BY part;

-- name: outbox_add
-- Record one outgoing part (a second insert of the same part changes nothing).
INSERT INTO outbox_messages (event_key, part, recipient_psid, body, messaging_type, tag,
                             purpose, escalation_id)
VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)
ON CONFLICT (event_key, part) DO NOTHING;

-- name: outbox_mark
-- Record what happened to one part.
UPDATE outbox_messages
   SET state = $2,
       attempts = attempts + $3,
       message_id = coalesce($4, message_id),
       error = $5,
       sent_at = CASE WHEN $2 IN ('sent', 'dry_run') THEN now() ELSE sent_at END
 WHERE id = $1;

-- name: sender_history
-- What happened to a sender: their events, newest first.
SELECT event_key, kind, state, attempts, error, received_at
  FROM inbox_events
 WHERE psid = $1
 ORDER BY received_at DESC
 LIMIT $2;

-- name: sender_outbox
-- The messages sent (or dry-run) to a sender, newest first.
SELECT event_key, part, purpose, messaging_type, state, body, error, message_id, created_at,
       sent_at
  FROM outbox_messages
 WHERE recipient_psid = $1
 ORDER BY created_at DESC, part
 LIMIT $2;

-- name: failed_events
-- Events parked as failed, newest first.
SELECT event_key, psid, kind, attempts, error, received_at
  FROM inbox_events
 WHERE state = 'failed'
 ORDER BY received_at DESC
 LIMIT $1;
