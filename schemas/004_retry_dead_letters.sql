-- Retry topics and the dead-letter topic (worker/requeue.c): a dead letter
-- keeps the Kafka message it came in as it came (key, payload, its own
-- headers), so that `docpipe dlq replay` can put the very same job back
-- on the jobs topic, and the headers it got on the dead-letter topic
-- (where it failed, how often, what it cost so far), so that SQL can ask
-- what the topic says.

ALTER TABLE dead_letters
        ADD COLUMN msg_key       bytea,       -- the message's key, or NULL
        ADD COLUMN msg_value     bytea,       -- its payload, unchanged
        ADD COLUMN msg_headers   jsonb,       -- its own headers: [[name, value], ...]
        ADD COLUMN dlq_headers   jsonb,       -- the docpipe-* headers on the DLQ topic
        ADD COLUMN dlq_topic     text,        -- where the topic has it; NULL if
        ADD COLUMN dlq_partition integer,     -- the topic refused it (too large)
        ADD COLUMN dlq_offset    bigint,
        ADD COLUMN replayed_at   timestamptz, -- last `docpipe dlq replay`; a new
                                              -- failure sets it back to NULL
        ADD COLUMN replays       integer NOT NULL DEFAULT 0;

-- What `docpipe dlq list` and `replay --stage/--class` look for.
CREATE INDEX dead_letters_pending ON dead_letters (error_class, stage)
        WHERE replayed_at IS NULL;

-- Text extracted from a document that then failed (a dead letter after
-- extract): a replay of the same content takes it instead of parsing the
-- document again. Removed once a document of that content is done (its
-- result is what same-content documents reuse from then on).
CREATE TABLE extractions (
        sha256     text PRIMARY KEY,
        text       text NOT NULL,             -- pages separated by form feeds
        pages      integer,
        title      text,
        author     text,
        subject    text,
        creator    text,
        producer   text,
        created    text,                      -- as the document claims it
        modified   text,
        created_at timestamptz NOT NULL DEFAULT now()
);
