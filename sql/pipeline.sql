-- The message pipeline's inbox (dedup, state) and outbox (one row per sent part).

-- name: inbox_claim
-- Record (or re-enter) an event; returns its state before this attempt and the attempt number.
-- A final state stays final however often the event is delivered again ($5: when it was sent).
WITH prior AS (
    SELECT state FROM inbox_events WHERE event_key = $1
),
claimed AS (
    INSERT INTO inbox_events (event_key, psid, kind, payload, state, attempts, sent_at)
    VALUES ($1, $2, $3, $4::jsonb, 'processing', 1, $5)
    ON CONFLICT (event_key) DO UPDATE
       SET attempts = inbox_events.attempts + 1,
           state = CASE WHEN inbox_events.state IN ('done', 'ignored', 'recorded', 'held',
                                                    'superseded')
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

-- name: outbox_file_add
-- The file of part $2 of event $1 (recorded with the part, in its transaction).
INSERT INTO outbox_files (part_id, filename, content_type, content)
SELECT id, $3, $4, $5 FROM outbox_messages WHERE event_key = $1 AND part = $2
ON CONFLICT (part_id) DO NOTHING;

-- name: outbox_file
-- The file a part carries, and its attachment id once uploaded.
SELECT filename, content_type, content, attachment_id FROM outbox_files WHERE part_id = $1;

-- name: outbox_file_uploaded
-- Meta's id of the uploaded file: a resumed send reuses it.
UPDATE outbox_files SET attachment_id = $2, uploaded_at = now() WHERE part_id = $1;

-- name: outbox_mark
-- Record what happened to one part. A picture's bytes are dropped once its part is settled
-- (sent by its attachment id, written to a file in a dry run, or refused): a chart is not kept
-- twice in the database for ever.
WITH marked AS (
    UPDATE outbox_messages
       SET state = $2,
           attempts = attempts + $3,
           message_id = coalesce($4, message_id),
           error = $5,
           sent_at = CASE WHEN $2 IN ('sent', 'dry_run') THEN now() ELSE sent_at END
     WHERE id = $1
    RETURNING id
)
UPDATE outbox_files SET content = ''::bytea
 WHERE part_id IN (SELECT id FROM marked) AND $2 IN ('sent', 'dry_run', 'failed')
   AND octet_length(content) > 0;

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

-- name: messages_in_minute
-- How many messages a sender sent in the minute up to $2 (by Meta's timestamps), this one too.
SELECT count(*) AS n
  FROM inbox_events
 WHERE psid = $1
   AND kind IN ('text', 'quick_reply', 'postback', 'attachment', 'like')
   AND sent_at > $2::timestamptz - interval '1 minute' AND sent_at <= $2::timestamptz;

-- name: newer_message_waiting
-- Whether a later message of the same sender waits in the queue ($2: this job's id).
SELECT EXISTS (
    SELECT 1 FROM procrastinate_jobs
     WHERE lock = $1 AND task_name = 'handle_event' AND status = 'todo' AND id > $2
) AS waiting;

-- name: sent_recently
-- Whether a part of this purpose went to the person since $3 (a notice given at most once).
SELECT EXISTS (
    SELECT 1 FROM outbox_messages
     WHERE recipient_psid = $1 AND purpose = $2 AND created_at >= $3
) AS sent;

-- name: outbox_confirm
-- Our own echo names a part whose send timed out: it did go out.
UPDATE outbox_messages
   SET state = 'sent', sent_at = coalesce(sent_at, now()),
       message_id = coalesce(message_id, $2), error = NULL
 WHERE id = $1 AND state IN ('ambiguous', 'sending')
RETURNING id;

-- name: status_set
-- Record a problem of the service that people must see (health check, log).
INSERT INTO service_status (name, state, detail) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE
   SET state = EXCLUDED.state, detail = EXCLUDED.detail,
       since = CASE WHEN service_status.state = EXCLUDED.state
                    THEN service_status.since ELSE now() END;

-- name: status_clear
-- The problem is over.
DELETE FROM service_status WHERE name = $1;

-- name: status_all
-- Every open problem of the service.
SELECT name, state, detail, since FROM service_status ORDER BY name;

-- name: events_during_hold
-- What the shopper and the person said while the thread was held (standby messages, echoes).
SELECT kind, payload, received_at
  FROM inbox_events
 WHERE psid = $1 AND received_at >= $2 AND kind IN ('text', 'echo', 'attachment', 'quick_reply')
 ORDER BY received_at
 LIMIT 40;
