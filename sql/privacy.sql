-- Deleting what the assistant keeps about one person ("delete my data", Meta's deletion
-- callback). database/privacy.py runs these in one transaction. The shop's books stay: orders
-- and the customer row are never touched here. $1 is the person's PSID unless noted; the
-- deletions and scrubs return a row per row changed (counted).

-- name: escalations_of
-- The person's escalations, locked (an answer arriving now waits for the deletion), with the
-- texts they wrote: the question, their message, the question as learnt.
SELECT e.id, e.question, e.shopper_message, k.question AS learnt_question
  FROM escalations e
  LEFT JOIN shop_knowledge k ON k.escalation_id = e.id
 WHERE e.shopper_psid = $1
 ORDER BY e.id
   FOR UPDATE OF e;

-- name: optional_tables
-- Which tables made outside schema.sql exist here: the job queue's and the embeddings'.
SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS jobs,
       to_regclass('item_embeddings') IS NOT NULL AS embeddings;

-- name: delete_sessions
-- The person's conversations (their users_sessions rows go with them: ON DELETE CASCADE).
DELETE FROM session
 WHERE id IN (SELECT session_id FROM users_sessions WHERE customer_id = $1)
RETURNING 1;

-- name: delete_session_links
-- Session links left without a conversation.
DELETE FROM users_sessions WHERE customer_id = $1
RETURNING 1;

-- name: delete_turns
-- The audit trail of the person's turns (their messages, replies, tool calls).
DELETE FROM llm_turns WHERE psid = $1
RETURNING 1;

-- name: delete_outbox
-- Every message sent (or to send) to the person.
DELETE FROM outbox_messages WHERE recipient_psid = $1
RETURNING 1;

-- name: delete_inbox
-- Every webhook event of the person (the raw payloads).
DELETE FROM inbox_events WHERE psid = $1
RETURNING 1;

-- name: delete_thread_control
-- A hold on the person's chat (the Page Inbox has it).
DELETE FROM thread_control WHERE psid = $1
RETURNING 1;

-- name: delete_staff_notices
-- What the person, as a staff member, was last told about pending questions.
DELETE FROM staff_notices WHERE psid = $1
RETURNING 1;

-- name: delete_report_choices
-- What the person, as a staff member, chose about reports and alerts.
DELETE FROM staff_report_settings WHERE psid = $1
RETURNING 1;

-- name: delete_waiting_reports
-- Reports and alerts kept for the person's next message.
DELETE FROM staff_waiting_messages WHERE psid = $1
RETURNING 1;

-- name: withdraw_notifications
-- Staff notifications about the person's escalations ($1 ids) not sent yet: never sent now.
UPDATE outbox_messages
   SET state = 'failed', error = 'withdrawn: the shopper''s data was deleted'
 WHERE escalation_id = ANY ($1::bigint[]) AND state IN ('pending', 'sending')
RETURNING 1;

-- name: delete_learnt_knowledge
-- Knowledge learnt from the person's escalations ($1 ids), active or not; their ids.
WITH gone AS (
    DELETE FROM shop_knowledge WHERE escalation_id = ANY ($1::bigint[]) RETURNING id
)
SELECT id::text AS id FROM gone;

-- name: delete_knowledge_embeddings
-- The vectors of those entries ($1 ids as text): an embedding is a copy of the words too.
DELETE FROM item_embeddings WHERE kind = 'knowledge' AND item_id = ANY ($1::text[])
RETURNING 1;

-- name: delete_escalations
-- The person's escalations (question, message, name, the staff's answer to them).
DELETE FROM escalations WHERE shopper_psid = $1
RETURNING 1;

-- name: delete_finished_jobs
-- The person's finished queue jobs: a failed one keeps its event (their message) as args.
-- Jobs still to run are new messages, and the running one is this request.
DELETE FROM procrastinate_jobs
 WHERE lock = $1 AND status IN ('succeeded', 'failed', 'cancelled', 'aborted')
RETURNING 1;

-- name: scrub_sessions
-- Other people's conversations quoting the person. Every scrub_* takes $1 patterns, $2 their
-- replacements, $3 whole values replaced, $4 the marker, $5 probes (NULL: look at every row).
UPDATE session
   SET message = scrub_jsonb(message, $1, $2, $3, $4)
 WHERE mentions_any(message::text, $5)
   AND scrub_jsonb(message, $1, $2, $3, $4) IS DISTINCT FROM message
RETURNING 1;

-- name: scrub_highlights
-- Facts remembered about other people that quote the person.
UPDATE users_sessions
   SET highlights = scrub_jsonb(highlights, $1, $2, $3, $4)
 WHERE mentions_any(highlights::text, $5)
   AND scrub_jsonb(highlights, $1, $2, $3, $4) IS DISTINCT FROM highlights
RETURNING 1;

-- name: scrub_turns
-- Other people's audited turns: a staff member's "pending" list, a tool result quoting them.
UPDATE llm_turns
   SET user_message = scrub_text(user_message, $1, $2),
       reply = scrub_text(reply, $1, $2),
       error = scrub_text(error, $1, $2),
       tool_calls = scrub_jsonb(tool_calls, $1, $2, $3, $4),
       fidelity_flags = scrub_jsonb(fidelity_flags, $1, $2, $3, $4)
 WHERE mentions_any(concat_ws(' ', user_message, reply, error, tool_calls::text,
                              fidelity_flags::text), $5)
   AND (scrub_text(user_message, $1, $2) IS DISTINCT FROM user_message
        OR scrub_text(reply, $1, $2) IS DISTINCT FROM reply
        OR scrub_text(error, $1, $2) IS DISTINCT FROM error
        OR scrub_jsonb(tool_calls, $1, $2, $3, $4) IS DISTINCT FROM tool_calls
        OR scrub_jsonb(fidelity_flags, $1, $2, $3, $4) IS DISTINCT FROM fidelity_flags)
RETURNING 1;

-- name: scrub_outbox
-- Messages to other people quoting the person: the staff's notifications, reminders.
UPDATE outbox_messages
   SET body = scrub_jsonb(body, $1, $2, $3, $4), error = scrub_text(error, $1, $2)
 WHERE mentions_any(body::text || ' ' || coalesce(error, ''), $5)
   AND (scrub_jsonb(body, $1, $2, $3, $4) IS DISTINCT FROM body
        OR scrub_text(error, $1, $2) IS DISTINCT FROM error)
RETURNING 1;

-- name: scrub_inbox
-- Other people's webhook events quoting the person.
UPDATE inbox_events
   SET payload = scrub_jsonb(payload, $1, $2, $3, $4), error = scrub_text(error, $1, $2)
 WHERE mentions_any(payload::text || ' ' || coalesce(error, ''), $5)
   AND (scrub_jsonb(payload, $1, $2, $3, $4) IS DISTINCT FROM payload
        OR scrub_text(error, $1, $2) IS DISTINCT FROM error)
RETURNING 1;

-- name: scrub_jobs
-- Other people's queue jobs quoting the person (not one running now).
UPDATE procrastinate_jobs
   SET args = scrub_jsonb(args, $1, $2, $3, $4)
 WHERE status <> 'doing'
   AND mentions_any(args::text, $5)
   AND scrub_jsonb(args, $1, $2, $3, $4) IS DISTINCT FROM args
RETURNING 1;

-- name: request_lock
-- Serialise the handling of one signed request ($1 its hash) across processes.
SELECT pg_advisory_xact_lock(hashtextextended('data-deletion:' || $1, 0));

-- name: request_get
-- A deletion request already handled ($1 the hash of its signed_request).
SELECT confirmation_code, status, created_at FROM data_deletions WHERE request_hash = $1;

-- name: request_add
-- Record a handled request: $1 code, $2 hash of the person's id, $3 sessions deleted,
-- $4 request hash, $5 status.
INSERT INTO data_deletions (confirmation_code, user_id_hash, deleted_sessions, request_hash,
                            status)
VALUES ($1, $2, $3, $4, $5)
RETURNING confirmation_code, status, created_at;

-- name: status_get
-- What the status page shows for a confirmation code.
SELECT confirmation_code, status, created_at FROM data_deletions WHERE confirmation_code = $1;
