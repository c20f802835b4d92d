/*
 * costs: reference prices into PostgreSQL (see costs.h). A short
 * connection of its own at start, like the migrations; the store thread's
 * connection is for documents. Owns nothing between calls.
 */
#include "costs.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "model/prices.h"

static const char SQL_UPSERT[] =
        "INSERT INTO reference_prices (model, input_per_token, "
        "cached_per_token, output_per_token, price_version, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, now()) ON CONFLICT (model) DO UPDATE "
        "SET input_per_token = excluded.input_per_token, "
        "cached_per_token = excluded.cached_per_token, "
        "output_per_token = excluded.output_per_token, "
        "price_version = excluded.price_version, updated_at = now()";

/* The first line of libpq's message, without its newline. */
static void costs_pg_err(struct err *err, PGconn *pg, const char *what)
{
        const char *msg = PQerrorMessage(pg);

        err_set(err, ERR_RETRY, "reference prices: %s: %.*s", what,
                (int)strcspn(msg, "\n"), msg);
}

int costs_write_reference(const struct config *cfg, struct err *err)
{
        struct prices *p;
        PGconn *pg = NULL;
        int written = -1;

        if (cfg->reference_models_n == 0)
                return 0;
        p = prices_load(cfg->price_map, err);
        if (!p)
                return -1;
        pg = PQconnectdb(cfg->pg_dsn);
        if (PQstatus(pg) != CONNECTION_OK) {
                costs_pg_err(err, pg, "cannot connect");
                goto out;
        }
        written = 0;
        for (size_t i = 0; i < cfg->reference_models_n; i++) {
                const char *model = cfg->reference_models[i];
                char in[40], cached[40], out[40];
                const char *v[5] = {model, in, cached, out, prices_version(p)};
                struct price pr;
                PGresult *res;

                if (prices_get(p, model, 0, &pr) < 0) {
                        log_warn("costs",
                                 "models.reference_models: '%s' is not in "
                                 "the price map %s; left out",
                                 model, cfg->price_map);
                        continue;
                }
                /* numeric(20, 15) reads the exponent form. */
                snprintf(in, sizeof(in), "%.15g", pr.input);
                snprintf(cached, sizeof(cached), "%.15g", pr.cache_read);
                snprintf(out, sizeof(out), "%.15g", pr.output);
                res = PQexecParams(pg, SQL_UPSERT, 5, NULL, v, NULL, NULL, 0);
                if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                        PQclear(res);
                        costs_pg_err(err, pg, model);
                        written = -1;
                        goto out;
                }
                PQclear(res);
                written++;
        }
out:
        PQfinish(pg);
        prices_free(p);
        return written;
}
