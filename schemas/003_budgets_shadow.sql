-- Routing with money and measurements: the ledger of the tenant daily
-- budget (models.budget.per_tenant_day_usd), shared by every replica, and
-- the shadow comparisons (models.shadow) that measure the cheap route
-- against a reference model.

-- What each tenant has committed to remote model calls in one UTC day.
-- Before a remote call a worker adds the call's estimate in one
-- conditional statement that refuses to pass the cap (two replicas can
-- never both pass it); after the call it adds the difference between the
-- real cost and the estimate (the whole estimate back for a call that cost
-- nothing). Settled, committed_usd is the sum of the calls' costs.
CREATE TABLE tenant_spend (
        tenant        text NOT NULL,
        day           date NOT NULL,     -- UTC
        committed_usd numeric(18, 9) NOT NULL DEFAULT 0,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant, day)
);

-- A shadow call is paid for and recorded like any other, but its answer is
-- only compared, never the result: costs include it, "what answered"
-- queries leave it out (WHERE NOT shadow).
ALTER TABLE model_calls ADD COLUMN shadow boolean NOT NULL DEFAULT false;

-- One row per shadowed stage of a document: the answer that became the
-- result (primary) against the reference endpoint's answer. score is the
-- share that agrees (classify: 1 or 0; fields: agreeing fields over the
-- fields either answer has; summarize: word overlap), details says what
-- differs. Written in the same transaction as the document's result.
CREATE TABLE shadow_comparisons (
        document_id      text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        stage            text NOT NULL,
        primary_model    text,          -- "endpoint/model" of the result
        reference_model  text,          -- "endpoint/model" of the shadow
        agree            boolean NOT NULL,
        score            double precision NOT NULL,
        primary_answer   jsonb,
        reference_answer jsonb,
        details          jsonb,         -- fields: {"compared", "agreeing",
                                        -- "disagree": [names]}
        created_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (document_id, stage)
);
CREATE INDEX shadow_comparisons_created ON shadow_comparisons (created_at);

-- How often the primary route agrees with the reference, per day, stage,
-- tenant and model.
CREATE VIEW shadow_agreement AS
SELECT date_trunc('day', s.created_at) AS day, d.tenant, s.stage,
       s.primary_model, s.reference_model, count(*) AS documents,
       avg(s.agree::integer)::double precision AS agreement,
       avg(s.score) AS mean_score
FROM shadow_comparisons s JOIN documents d ON d.id = s.document_id
GROUP BY 1, 2, 3, 4, 5;
