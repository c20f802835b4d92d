-- Remote models: what priced each call, and the views that answer "what did
-- it cost" and "what would it have cost elsewhere".

-- The configured endpoint, the price map version and the reply's raw usage
-- object, so that any call's cost can be recomputed later.
ALTER TABLE model_calls
        ADD COLUMN endpoint      text,
        ADD COLUMN price_version text,
        ADD COLUMN usage         jsonb;

-- Per-token prices of the reference models (for example gpt-5), written by
-- the worker at start from its price map (models.reference_models).
CREATE TABLE reference_prices (
        model             text PRIMARY KEY,
        input_per_token   numeric(20, 15) NOT NULL,
        cached_per_token  numeric(20, 15) NOT NULL,
        output_per_token  numeric(20, 15) NOT NULL,
        price_version     text,
        updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Cost per day, tenant and model.
CREATE VIEW daily_costs AS
SELECT date_trunc('day', c.created_at) AS day, d.tenant, c.provider, c.model,
       count(DISTINCT c.document_id) AS documents, count(*) AS calls,
       sum(c.input_tokens) AS input_tokens,
       sum(c.cached_input_tokens) AS cached_input_tokens,
       sum(c.output_tokens) AS output_tokens, sum(c.cost_usd) AS cost_usd
FROM model_calls c JOIN documents d ON d.id = c.document_id
GROUP BY 1, 2, 3, 4;

-- What each document's tokens would have cost on each reference model.
CREATE VIEW reference_costs AS
SELECT c.document_id, p.model AS reference_model,
       sum(c.cost_usd) AS cost_usd,
       sum((c.input_tokens - c.cached_input_tokens) * p.input_per_token
           + c.cached_input_tokens * p.cached_per_token
           + c.output_tokens * p.output_per_token)::numeric(18, 9)
               AS reference_cost_usd
FROM model_calls c CROSS JOIN reference_prices p
GROUP BY 1, 2;
