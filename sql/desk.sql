-- Ask the shop: shop knowledge, escalations to staff, threads held by a person.

-- name: knowledge_search
-- Active entries matching the query's words (full text over the words as written and
-- accent-folded; a word also matches as a prefix: "deliver" finds "delivery"): candidates,
-- most query words matched, then rank, then the older entry (a new entry never wins a tie).
-- The caller weighs how much of each entry's question the query covers. $1 the words joined
-- by " or " (websearch syntax), $2 the words (letters and digits only), $3 limit.
WITH q AS (
    SELECT websearch_to_tsquery('simple', $1)
           || to_tsquery('simple', array_to_string(
                  ARRAY(SELECT w || ':*' FROM unnest($2::text[]) AS w), ' | ')) AS query
)
SELECT k.id, k.question, k.answer, k.source,
       (SELECT count(*) FROM unnest($2::text[]) AS w
         WHERE k.search_vector @@ to_tsquery('simple', w || ':*'))::int AS matched_words,
       ts_rank_cd(k.search_vector, q.query) AS rank
  FROM shop_knowledge k, q
 WHERE k.active AND k.search_vector @@ q.query
 ORDER BY matched_words DESC, rank DESC, k.id
 LIMIT $3;

-- name: knowledge_contains
-- Fallback for very short entries or queries: containment ignoring case, accents, spaces
-- and punctuation ("wifi" finds "Wi-Fi"); a short entry found inside the query counts too.
SELECT k.id, k.question, k.answer, k.source
  FROM shop_knowledge k
 WHERE k.active
   AND length(shop_squash($1)) >= 3
   AND (strpos(shop_squash(k.question), shop_squash($1)) > 0
        OR strpos(shop_squash(k.answer), shop_squash($1)) > 0
        OR (length(k.question) <= 24 AND length(shop_squash(k.question)) >= 3
            AND strpos(shop_squash($1), shop_squash(k.question)) > 0))
 ORDER BY length(k.question), k.id
 LIMIT $2;

-- name: knowledge_add
-- A new entry; an entry learnt from an escalation is added once ($5), whoever retries.
INSERT INTO shop_knowledge (question, answer, employee_id, added_by, source, escalation_id)
VALUES ($1, $2, (SELECT id FROM employees WHERE messenger_psid = $3), $3, $4, $5)
ON CONFLICT (escalation_id) DO UPDATE SET escalation_id = EXCLUDED.escalation_id
RETURNING id;

-- name: knowledge_list
-- Entries, newest first (inactive ones too when $1).
SELECT k.id, k.question, k.answer, k.source, k.active, k.added_by, k.created_at,
       e.name AS added_by_name
  FROM shop_knowledge k
  LEFT JOIN employees e ON e.id = k.employee_id
 WHERE k.active OR $1
 ORDER BY k.id DESC
 LIMIT $2;

-- name: knowledge_remove
-- Deactivate an entry (kept for the record); returns it when it exists (removing it twice is
-- the same as once).
UPDATE shop_knowledge k SET active = false
  FROM (SELECT id, active FROM shop_knowledge WHERE id = $1 FOR UPDATE) AS before
 WHERE k.id = before.id
RETURNING k.id, k.question, k.source, before.active AS was_active;

-- name: knowledge_same
-- An active entry with exactly this question and answer (a repeated "remember").
SELECT id FROM shop_knowledge
 WHERE active AND question = $1 AND answer = $2 AND escalation_id IS NULL
 ORDER BY id LIMIT 1;

-- name: staff_members
-- Active employees reachable on Messenger.
SELECT messenger_psid AS psid, name, lower(coalesce(role, '')) AS role
  FROM employees
 WHERE messenger_psid IS NOT NULL AND coalesce(status, 1) = 1
 ORDER BY name;

-- name: staff_member
-- One active staff member by PSID.
SELECT messenger_psid AS psid, name, lower(coalesce(role, '')) AS role
  FROM employees
 WHERE messenger_psid = $1 AND coalesce(status, 1) = 1;

-- name: customer_name
-- The shopper's name when the shop knows them (customers.id is their PSID).
SELECT name FROM customers WHERE id = $1;

-- name: escalation_create
-- One escalation per shopper message ($1): a retried or re-delivered message gets the first.
INSERT INTO escalations (event_key, shopper_psid, shopper_mid, shopper_name, question,
                         shopper_message, kind, language, targets)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
ON CONFLICT (event_key) DO NOTHING
RETURNING *;

-- name: escalation_by_event
-- The escalation raised by a message.
SELECT * FROM escalations WHERE event_key = $1;

-- name: escalation_get
-- One escalation by reference.
SELECT * FROM escalations WHERE id = $1;

-- name: escalations_of_event
-- Escalations a message raised (a shopper's) or answered/closed (a staff member's), so a
-- retried job rebuilds the same notifications and relays.
SELECT * FROM escalations WHERE event_key = $1 OR answer_event_key = $1 ORDER BY id;

-- name: escalation_answer
-- The first answer wins: only a requested (or expired) escalation takes it.
UPDATE escalations
   SET status = 'answered', answer = $2, answered_by_psid = $3, answered_by_name = $4,
       answer_event_key = $5, save_to_knowledge = $6, answered_at = now()
 WHERE id = $1 AND status IN ('requested', 'expired')
RETURNING *;

-- name: escalation_close
-- Close an open escalation without an answer (the shopper was helped another way).
UPDATE escalations
   SET status = 'closed', closed_at = now(), answered_by_psid = $2, answered_by_name = $3,
       answer_event_key = $4
 WHERE id = $1 AND status IN ('requested', 'expired')
RETURNING *;

-- name: escalation_set_knowledge
-- Remember which knowledge entry an answer became.
UPDATE escalations SET knowledge_id = $2 WHERE id = $1;

-- name: escalation_set_relay
-- The answer's text for the shopper (kept once, so a retry relays the same words) and its state.
UPDATE escalations
   SET relay_text = coalesce(relay_text, $2), relay_state = $3, relay_event_key = $4
 WHERE id = $1
RETURNING relay_text;

-- name: escalation_requeue_relay
-- A relay Meta refused waits for the shopper's next message.
UPDATE escalations SET relay_state = 'waiting', relay_event_key = NULL
 WHERE id = $1 AND relay_state IN ('queued', 'tagged');

-- name: relays_waiting
-- Answers waiting for the shopper to write again (outside the window), or already claimed by
-- this message ($2) — so a retried job relays them again, and only once.
SELECT * FROM escalations
 WHERE shopper_psid = $1
   AND ((relay_state = 'waiting') OR (relay_state = 'queued' AND relay_event_key = $2))
 ORDER BY answered_at, id;

-- name: escalations_pending
-- Open escalations, oldest first.
SELECT * FROM escalations WHERE status = 'requested' ORDER BY created_at, id;

-- name: escalations_open_of_shopper
-- One shopper's questions still waiting for the staff, oldest first (the abuse limit).
SELECT * FROM escalations
 WHERE shopper_psid = $1 AND status = 'requested'
 ORDER BY created_at, id;

-- name: escalations_recent
-- Escalations of any status, newest first (for `flask escalations`).
SELECT * FROM escalations
 WHERE ($1::text IS NULL OR status = $1)
 ORDER BY created_at DESC, id DESC
 LIMIT $2;

-- name: escalations_of_shopper
-- One shopper's escalations, newest first (inspection).
SELECT id, kind, status, question, answer, answered_by_name, relay_state, created_at, answered_at
  FROM escalations
 WHERE shopper_psid = $1
 ORDER BY created_at DESC
 LIMIT $2;

-- name: escalations_expire
-- Mark requested escalations older than $1 as expired; returns them.
UPDATE escalations SET status = 'expired'
 WHERE status = 'requested' AND created_at < $1
RETURNING id;

-- name: escalation_by_notification
-- The escalation a staff member's reply-to message points at (our notification's message id).
SELECT escalation_id FROM outbox_messages
 WHERE message_id = $1 AND escalation_id IS NOT NULL
 LIMIT 1;

-- name: staff_notice_get
-- What a staff member was last told about pending escalations, and in reply to which message.
SELECT refs, told_at, event_key FROM staff_notices WHERE psid = $1;

-- name: staff_notice_set
-- Record what a staff member has just been told ($4: the message it goes before).
INSERT INTO staff_notices (psid, refs, told_at, event_key) VALUES ($1, $2::jsonb, $3, $4)
ON CONFLICT (psid) DO UPDATE
   SET refs = EXCLUDED.refs, told_at = EXCLUDED.told_at, event_key = EXCLUDED.event_key;

-- name: last_message_at
-- When the person last wrote (what opens Messenger's messaging window): their latest
-- webhook message, or their latest answered turn (`flask ask` has no webhook event).
SELECT greatest(
           (SELECT max(received_at) FROM inbox_events
             WHERE psid = $1
               AND kind IN ('text', 'quick_reply', 'postback', 'attachment', 'like', 'reaction')),
           (SELECT max(created_at) FROM llm_turns WHERE psid = $1)) AS at;

-- name: thread_get
-- Who holds a shopper's thread (no row: the assistant does).
SELECT psid, escalation_id, passed_by, since, event_key, until
  FROM thread_control WHERE psid = $1;

-- name: thread_pause
-- A person replied from the Page Inbox: the assistant stays quiet until $3 (each reply moves
-- it on); a handover already holding the thread is left as it is.
INSERT INTO thread_control (psid, passed_by, since, until) VALUES ($1, 'page reply', $2, $3)
ON CONFLICT (psid) DO UPDATE
   SET until = greatest(thread_control.until, EXCLUDED.until)
 WHERE thread_control.until IS NOT NULL;

-- name: thread_latest
-- The thread a person took most recently (`release` without a reference).
SELECT psid, escalation_id, passed_by, since, until
  FROM thread_control ORDER BY since DESC, psid LIMIT 1;

-- name: thread_hold
-- A person takes the thread ($5: the message that passed it): the assistant stays silent
-- until it comes back.
INSERT INTO thread_control (psid, escalation_id, passed_by, since, event_key)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (psid) DO UPDATE
   SET escalation_id = coalesce(EXCLUDED.escalation_id, thread_control.escalation_id),
       passed_by = EXCLUDED.passed_by
RETURNING psid, escalation_id, passed_by, since;

-- name: thread_release
-- The thread comes back to the assistant; returns the hold that ended.
DELETE FROM thread_control WHERE psid = $1 RETURNING psid, escalation_id, passed_by, since;
