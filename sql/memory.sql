-- Conversation memory: one open session per sender per shop-local day.

-- name: open_session
-- The sender's open session for the day ($2), newest first, with its messages.
SELECT us.session_id, us.highlights, s.message -> 'messages' AS messages
  FROM users_sessions us
  JOIN session s ON s.id = us.session_id
 WHERE us.customer_id = $1 AND us.status = 1 AND us.session_date = $2
 ORDER BY us.created_at DESC
 LIMIT 1;

-- name: recent_sessions
-- The sender's last few sessions (any day), newest first, for carried-over highlights.
SELECT us.highlights, s.message -> 'messages' AS messages
  FROM users_sessions us
  JOIN session s ON s.id = us.session_id
 WHERE us.customer_id = $1
 ORDER BY us.created_at DESC
 LIMIT 3;

-- name: create_session
-- Close the sender's open sessions and open a new one ($2 session id, $3 link id) for day $4.
WITH closed AS (
    UPDATE users_sessions SET status = 0 WHERE customer_id = $1 AND status = 1
),
created AS (
    INSERT INTO session (id, message) VALUES ($2, '{"messages": []}'::jsonb)
    RETURNING id
)
INSERT INTO users_sessions (id, customer_id, session_id, session_date, highlights, status)
SELECT $3, $1, created.id, $4, $5::jsonb, 1 FROM created;

-- name: close_sessions
-- Close the sender's open sessions ("reset"): the next message starts a new one.
UPDATE users_sessions SET status = 0 WHERE customer_id = $1 AND status = 1;

-- name: append_messages
-- Append messages ($1, a JSON array) to a session atomically: no lost update between writers.
UPDATE session
   SET message = jsonb_set(coalesce(message, '{}'::jsonb), '{messages}',
                           coalesce(message -> 'messages', '[]'::jsonb) || $1::jsonb)
 WHERE id = $2;

-- name: add_highlight
-- Remember one more fact about the sender in the session's highlights.
UPDATE users_sessions
   SET highlights = coalesce(highlights, '[]'::jsonb) || jsonb_build_array($2::text)
 WHERE session_id = $1;

-- name: latest_session
-- The sender's latest session, open or closed, with its messages (`flask inspect`).
SELECT us.session_date, us.status, us.highlights, s.message
  FROM users_sessions us
  JOIN session s ON s.id = us.session_id
 WHERE us.customer_id = $1
 ORDER BY us.created_at DESC
 LIMIT 1;

-- name: audited_turns
-- The sender's audited turns (llm_turns), newest first; $2 limit.
SELECT created_at, user_message, reply, model, prompt_tokens, completion_tokens,
       latency_ms, rounds, tool_calls, fidelity_flags, error
  FROM llm_turns
 WHERE psid = $1
 ORDER BY created_at DESC
 LIMIT $2;
