/*
 * costs: what the same tokens would have cost elsewhere. At start the
 * worker writes the per-token prices of models.reference_models (gpt-5 by
 * default), taken from models.price_map, to the reference_prices table, so
 * that the view reference_costs answers "what would this document, day or
 * tenant have cost on GPT-5" in plain SQL. Owns nothing between calls.
 */
#ifndef DOCPIPE_COSTS_H
#define DOCPIPE_COSTS_H

#include "config.h"
#include "err.h"

/* Upserts one reference_prices row per model of cfg->reference_models
 * that the price map knows (at its base tier: prices for prompts under any
 * long-context threshold), over a connection of its own to cfg->pg_dsn. A
 * model the map does not know is logged and left out. Returns the number
 * of rows written, or -1 with err (ERR_RETRY: PostgreSQL; ERR_FATAL: the
 * price map). */
int costs_write_reference(const struct config *cfg, struct err *err);

#endif
