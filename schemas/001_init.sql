-- 001_init: the core tables of docpipe.
--
-- Applied by the worker at start (and by `docpipe migrate`) through
-- store_migrate, in one transaction together with its schema_migrations
-- row. Every write of the worker is an idempotent upsert keyed by the
-- document id, so a document delivered twice leaves one row everywhere.

-- One row per document that reached an outcome: a result ('done') or a
-- dead letter ('dead'). A later duplicate never turns 'done' into 'dead'.
CREATE TABLE documents (
        id              text PRIMARY KEY,
        tenant          text NOT NULL,
        source          text,            -- "kafka", "file:///...", "https://..."
        content_type    text,
        sha256          text,            -- hex of the source bytes
        bytes           bigint,
        pages           integer,
        status          text NOT NULL CHECK (status IN ('done', 'dead')),
        title           text,
        author          text,
        created_at_doc  timestamptz,     -- creation date the document claims
        metadata        jsonb,           -- the job envelope's metadata
        kafka_topic     text,
        kafka_partition integer,
        kafka_offset    bigint,
        received_at     timestamptz NOT NULL DEFAULT now(),
        processed_at    timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Same content seen before: its result is reused, not paid for twice.
CREATE INDEX documents_sha256_done ON documents (sha256) WHERE status = 'done';
CREATE INDEX documents_tenant_processed ON documents (tenant, processed_at);

-- The result of a 'done' document.
CREATE TABLE results (
        document_id  text PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
        class        text,
        confidence   double precision,
        fields       jsonb,
        summary      text,
        language     text,
        model        text,               -- provider/model that produced it
        reused_from  text,               -- id of the document whose result
                                         -- was copied (same sha256), or NULL
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Every model call a document's result cost. seq is the call's place in
-- the document's list, so that writing the same document again adds
-- nothing (ON CONFLICT DO NOTHING).
CREATE TABLE model_calls (
        id                  bigserial PRIMARY KEY,
        document_id         text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        seq                 integer NOT NULL,
        stage               text NOT NULL,
        provider            text,
        model               text,
        input_tokens        bigint NOT NULL DEFAULT 0,
        cached_input_tokens bigint NOT NULL DEFAULT 0,
        output_tokens       bigint NOT NULL DEFAULT 0,
        cost_usd            numeric(18, 9) NOT NULL DEFAULT 0,
        latency_ms          double precision,
        outcome             text,        -- "ok" or the error class
        created_at          timestamptz NOT NULL DEFAULT now(),
        UNIQUE (document_id, stage, seq)
);

-- Why a 'dead' document failed. A later success of the same document
-- removes its dead letter.
CREATE TABLE dead_letters (
        id           bigserial PRIMARY KEY,
        document_id  text NOT NULL UNIQUE REFERENCES documents (id) ON DELETE CASCADE,
        stage        text,               -- where it failed
        error_class  text,               -- "input", "retry", "fatal"
        message      text,
        attempts     integer,            -- tries of the failing stage
        job          jsonb,              -- the job, for a replay
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dead_letters_created ON dead_letters (created_at);

-- What each document cost: tokens in and out, and USD, over its calls.
CREATE VIEW document_costs AS
SELECT d.id AS document_id,
       d.tenant,
       r.class,
       coalesce(sum(m.input_tokens + m.output_tokens), 0)::bigint AS tokens,
       coalesce(sum(m.cost_usd), 0)::numeric(18, 9) AS cost_usd
  FROM documents d
  LEFT JOIN results r ON r.document_id = d.id
  LEFT JOIN model_calls m ON m.document_id = d.id
 GROUP BY d.id, d.tenant, r.class;

-- A document's own creation date is whatever its metadata claims: one that
-- PostgreSQL cannot read becomes NULL instead of failing the write.
CREATE FUNCTION docpipe_timestamptz(t text) RETURNS timestamptz
LANGUAGE plpgsql STABLE STRICT AS $$
BEGIN
        RETURN t::timestamptz;
EXCEPTION WHEN data_exception THEN
        RETURN NULL;
END
$$;
