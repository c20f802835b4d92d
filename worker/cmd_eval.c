/*
 * cmd_eval: `docpipe eval`, a labeled set through one or more routes, the
 * answers scored side by side (eval.c). No Kafka and no PostgreSQL: each
 * document is read from its file, extracted once by the real extract stage
 * on the thread pool, then given to every route in turn, each route a
 * model layer of its own (model_run: classify, fields, summarize) on the
 * same libuv loop. A route is "builtin", the name of one of the
 * configuration's endpoints (every stage asks that endpoint alone, so a
 * failure shows as one), or "configured" (the configuration's own routes,
 * escalation and fallback included). The per-tenant daily budget and
 * shadow sampling are off: they need PostgreSQL and would change what is
 * measured. Owns the loop, the per-route configurations and model layers,
 * and the answers until they are scored.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../stages/stage.h"
#include "cmd.h"
#include "config.h"
#include "cpu.h"
#include "eval.h"
#include "job.h"
#include "log.h"
#include "model/model.h"

#define EVAL_MAX_ROUTES 8
#define EVAL_MAX_LABELS 16
#define EVAL_MAX_JOBS 256

struct ev_route {
        const char *name;  /* borrowed from argv */
        struct config cfg; /* its own: model_run reads its routes */
        struct config_route saved[CONFIG_STAGES]; /* cfg's, put back before
                                                   * config_cleanup */
        int swapped;
        struct model *model;
};

struct ev_run;

/* One document on its way: extracted once, then each route in turn. */
struct ev_doc {
        struct ev_run *run;
        size_t idx;       /* in set */
        struct doc *src;  /* the extracted document */
        struct doc *work; /* the current route's copy (text borrowed) */
        size_t route;
        int task; /* enum model_task running */
        uint64_t t0;
};

struct ev_run {
        uv_loop_t *loop;
        struct config base; /* extraction settings, taxonomy */
        struct stage_env env;
        void *extract; /* stage_extract's state */
        struct ev_route routes[EVAL_MAX_ROUTES];
        size_t nroutes;
        struct eval_set set;
        struct eval_answer *answers; /* set.n * nroutes */
        double *extract_s;           /* set.n */
        size_t next, running, done;
        int jobs;
        int summarize;
        int quiet;
        struct cpu *cpu;
};

static void eval_usage(FILE *f)
{
        fputs("usage: docpipe eval --labels PATH [--labels PATH]... "
              "[--route NAME]...\n"
              "                    [-c FILE] [--type CLASS] [--jobs N] "
              "[--json] [--mismatches]\n"
              "                    [--no-summarize] [--quiet]\n\n"
              "Runs a labeled set of documents through one or more routes "
              "and prints,\nside by side: document-type accuracy, per-class "
              "precision and recall,\nthe confusion table, per-field exact "
              "match after normalization (values\nleft empty and values "
              "filled wrongly counted apart), tokens, cost and\ntime per "
              "document. No Kafka, no PostgreSQL.\n\n"
              "  --labels PATH   a JSON lines file ({\"path\", \"type\", "
              "\"fields\"} per line,\n"
              "                  paths relative to the file; PDFs, images "
              "(OCR'd) or text),\n"
              "                  or a folder of X.pdf with X.json beside "
              "each (docgen's\n"
              "                  ground truth or invoice2data's expected "
              "output); may be\n"
              "                  repeated\n"
              "  --type CLASS    the class of a folder's PDFs that have no "
              "X.json (else\n"
              "                  they are skipped)\n"
              "  --route NAME    builtin (default), an endpoint of "
              "models.endpoints, or\n"
              "                  'configured' (models.routes as they are); "
              "may be repeated\n"
              "  -c FILE         configuration (endpoints, taxonomy, "
              "limits)\n"
              "  --jobs N        documents at once (default 4); times "
              "include waiting\n"
              "                  for the thread pool when N > "
              "worker.threads\n"
              "  --json          the report as JSON (with every mismatch)\n"
              "  --mismatches    the table, then every wrong class and "
              "field value\n"
              "  --no-summarize  classify and fields only\n"
              "  --quiet         no progress on stderr\n",
              f);
}

/* ---- routes ------------------------------------------------------------ */

/* A route of one step, endpoint, for every stage (new steps). */
static void ev_route_single(struct config_route *route, const char *endpoint)
{
        route->steps = xcalloc(1, sizeof(*route->steps));
        route->n = 1;
        route->steps[0].endpoint = xstrdup(endpoint);
        route->steps[0].escalate_below = -1;
}

static void ev_route_free_steps(struct config_route *route)
{
        for (size_t i = 0; i < route->n; i++)
                free(route->steps[i].endpoint);
        free(route->steps);
        route->steps = NULL;
        route->n = 0;
}

static int ev_route_init(struct ev_run *run, struct ev_route *r,
                         const char *path, struct err *err)
{
        memset(&r->cfg, 0, sizeof(r->cfg));
        if (config_load(&r->cfg, path, err) < 0)
                return -1;
        /* Both need PostgreSQL, and would change what is measured. */
        r->cfg.budget_tenant_day_usd = 0;
        r->cfg.shadow_rate = 0;
        if (strcmp(r->name, "configured") != 0) {
                if (strcmp(r->name, "builtin") != 0 &&
                    !config_endpoint_find(&r->cfg, r->name))
                        return err_set(err, ERR_FATAL,
                                       "--route %s: neither builtin, "
                                       "configured, nor an endpoint of "
                                       "models.endpoints",
                                       r->name);
                for (int s = 0; s < CONFIG_STAGES; s++) {
                        r->saved[s] = r->cfg.routes[s];
                        ev_route_single(&r->cfg.routes[s], r->name);
                }
                r->swapped = 1;
        }
        r->model = model_new(run->loop, &r->cfg, NULL, err);
        return r->model ? 0 : -1;
}

/* Frees the route's model layer (the loop must run afterwards, for the
 * handles it closes) and its configuration. */
static void ev_route_cleanup(struct ev_route *r)
{
        model_free(r->model);
        r->model = NULL;
        if (r->swapped) {
                for (int s = 0; s < CONFIG_STAGES; s++) {
                        ev_route_free_steps(&r->cfg.routes[s]);
                        r->cfg.routes[s] = r->saved[s];
                }
                r->swapped = 0;
        }
        config_cleanup(&r->cfg);
}

/* ---- one document ------------------------------------------------------ */

static void ev_start_next(struct ev_run *run);
static void ev_route_start(struct ev_doc *d);

static double ev_seconds(uint64_t t0)
{
        return (double)(uv_hrtime() - t0) / 1e9;
}

/* The document's type: a PDF by its bytes or name, an image (PNG, JPEG,
 * TIFF, WebP: OCR'd) by its bytes, else text. */
static const char *ev_content_type(const char *path, const unsigned char *b,
                                   size_t n)
{
        size_t l = strlen(path);
        const char *ct;

        if (n >= 5 && memcmp(b, "%PDF-", 5) == 0)
                return "application/pdf";
        if (l > 4 && strcmp(path + l - 4, ".pdf") == 0)
                return "application/pdf";
        ct = job_sniff(b, n);
        if (ct && strncmp(ct, "image/", 6) == 0)
                return ct;
        return "text/plain";
}

/* Reads the document's bytes, at most cfg->max_bytes. */
static int ev_read(struct doc *doc, const char *path, const struct config *cfg,
                   struct err *err)
{
        FILE *f = fopen(path, "rb");
        size_t cap = cfg->max_bytes > 0 ? (size_t)cfg->max_bytes : 0, got;
        unsigned char *buf;

        if (!f)
                return err_set(err, ERR_INPUT, "%s: cannot open", path);
        buf = xmalloc(cap + 1);
        got = fread(buf, 1, cap + 1, f);
        fclose(f);
        if (got > cap) {
                free(buf);
                return err_set(err, ERR_INPUT,
                               "%s: larger than limits.max_bytes (%zu)", path,
                               cap);
        }
        doc->bytes = buf;
        doc->len = got;
        doc_set_str(&doc->content_type, ev_content_type(path, buf, got));
        return 0;
}

/* Every route's answer on document idx: failed at stage, for err. */
static void ev_fail(struct ev_run *run, size_t idx, const char *stage,
                    const struct err *err)
{
        for (size_t r = 0; r < run->nroutes; r++) {
                struct eval_answer *a = &run->answers[idx * run->nroutes + r];

                a->failed = 1;
                snprintf(a->error, sizeof(a->error), "%s: %s", stage, err->msg);
        }
}

static void ev_doc_finish(struct ev_doc *d)
{
        struct ev_run *run = d->run;

        doc_free(d->src);
        free(d);
        run->running--;
        run->done++;
        if (!run->quiet && (run->done % 50 == 0 || run->done == run->set.n))
                fprintf(stderr, "docpipe eval: %zu/%zu documents\n", run->done,
                        run->set.n);
        ev_start_next(run);
}

/* Records the current route's answer and goes on to the next route. */
static void ev_route_end(struct ev_doc *d, const struct err *err)
{
        struct ev_run *run = d->run;
        struct eval_answer *a = &run->answers[d->idx * run->nroutes + d->route];
        struct doc *w = d->work;

        a->seconds = ev_seconds(d->t0);
        if (w->class)
                a->cls = xstrdup(w->class);
        if (w->language)
                a->language = xstrdup(w->language);
        a->confidence = w->confidence;
        if (w->fields)
                a->fields = json_incref(w->fields);
        if (w->summary)
                a->summary = xstrdup(w->summary);
        for (size_t i = 0; i < w->calls_n; i++) {
                if (w->calls[i].shadow)
                        continue;
                a->input_tokens += w->calls[i].input_tokens;
                a->output_tokens += w->calls[i].output_tokens;
                a->cost_usd += w->calls[i].cost_usd;
        }
        if (err) {
                a->failed = 1;
                snprintf(a->error, sizeof(a->error), "%s", err->msg);
        }
        w->text = NULL; /* borrowed from src */
        doc_free(w);
        d->work = NULL;
        d->route++;
        if (d->route < run->nroutes)
                ev_route_start(d);
        else
                ev_doc_finish(d);
}

static void ev_on_task(struct doc *doc, const struct err *err)
{
        struct ev_doc *d = doc->owner;
        struct ev_run *run = d->run;

        if (err) {
                ev_route_end(d, err);
                return;
        }
        if (d->task == MODEL_CLASSIFY)
                d->task = MODEL_FIELDS;
        else if (d->task == MODEL_FIELDS && run->summarize)
                d->task = MODEL_SUMMARIZE;
        else {
                ev_route_end(d, NULL);
                return;
        }
        model_run(run->routes[d->route].model, (enum model_task)d->task, doc,
                  ev_on_task);
}

static void ev_route_start(struct ev_doc *d)
{
        struct ev_run *run = d->run;
        struct doc *w = doc_new();

        w->id = xstrdup(d->src->id);
        doc_set_str(&w->content_type, d->src->content_type);
        w->text = d->src->text; /* borrowed */
        w->text_len = d->src->text_len;
        w->pages = d->src->pages;
        doc_set_str(&w->title, d->src->title);
        w->owner = d;
        d->work = w;
        d->task = MODEL_CLASSIFY;
        d->t0 = uv_hrtime();
        model_run(run->routes[d->route].model, MODEL_CLASSIFY, w, ev_on_task);
}

static void ev_on_extracted(struct doc *doc, const struct err *err)
{
        struct ev_doc *d = doc->owner;
        struct ev_run *run = d->run;

        run->extract_s[d->idx] = ev_seconds(d->t0);
        if (err) {
                ev_fail(run, d->idx, "extract", err);
                ev_doc_finish(d);
                return;
        }
        /* The bytes are not needed any more. */
        free(doc->bytes);
        doc->bytes = NULL;
        d->route = 0;
        ev_route_start(d);
}

static void ev_start_next(struct ev_run *run)
{
        while (run->running < (size_t)run->jobs && run->next < run->set.n) {
                struct ev_doc *d = xcalloc(1, sizeof(*d));
                const struct eval_label *l = &run->set.v[run->next];
                struct err err;

                d->run = run;
                d->idx = run->next++;
                d->src = doc_new();
                d->src->id = xstrdup(l->id);
                d->src->owner = d;
                run->running++;
                d->t0 = uv_hrtime();
                err_clear(&err);
                if (ev_read(d->src, l->path, &run->base, &err) < 0) {
                        /* Recorded here, not through ev_on_extracted:
                         * a run of unreadable files must not recurse. */
                        ev_fail(run, d->idx, "read", &err);
                        doc_free(d->src);
                        free(d);
                        run->running--;
                        run->done++;
                        continue;
                }
                stage_extract.start(run->extract, d->src, ev_on_extracted);
        }
        if (run->running == 0 && run->next >= run->set.n) {
                /* Everything answered: the model layers and the
                 * extraction sandbox can go, their handles close as the
                 * loop runs out. */
                for (size_t r = 0; r < run->nroutes; r++) {
                        model_free(run->routes[r].model);
                        run->routes[r].model = NULL;
                }
                stage_extract.destroy(run->extract);
                run->extract = NULL;
        }
}

/* ---- the command ------------------------------------------------------- */

int cmd_eval(int argc, char **argv)
{
        static const struct option opts[] = {
                {"labels", required_argument, NULL, 'l'},
                {"route", required_argument, NULL, 'r'},
                {"config", required_argument, NULL, 'c'},
                {"type", required_argument, NULL, 't'},
                {"jobs", required_argument, NULL, 'j'},
                {"json", no_argument, NULL, 'J'},
                {"mismatches", no_argument, NULL, 'm'},
                {"no-summarize", no_argument, NULL, 'S'},
                {"quiet", no_argument, NULL, 'q'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        const char *labels[EVAL_MAX_LABELS], *path = NULL, *type = NULL;
        const char *names[EVAL_MAX_ROUTES];
        size_t nlabels = 0, i;
        int c, as_json = 0, mismatches = 0, rc = 1;
        struct ev_run run;
        struct err err;
        char threads[16];
        json_t *report = NULL;

        memset(&run, 0, sizeof(run));
        run.jobs = 4;
        run.summarize = 1;
        optind = 1;
        while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
                switch (c) {
                case 'l':
                        if (nlabels == EVAL_MAX_LABELS) {
                                fprintf(stderr,
                                        "docpipe eval: at most %d "
                                        "--labels\n",
                                        EVAL_MAX_LABELS);
                                return 2;
                        }
                        labels[nlabels++] = optarg;
                        break;
                case 'r':
                        if (run.nroutes == EVAL_MAX_ROUTES) {
                                fprintf(stderr,
                                        "docpipe eval: at most %d "
                                        "--route\n",
                                        EVAL_MAX_ROUTES);
                                return 2;
                        }
                        run.routes[run.nroutes++].name = optarg;
                        break;
                case 'c':
                        path = optarg;
                        break;
                case 't':
                        type = optarg;
                        break;
                case 'j':
                        run.jobs = atoi(optarg);
                        if (run.jobs < 1 || run.jobs > EVAL_MAX_JOBS) {
                                fprintf(stderr,
                                        "docpipe eval: --jobs: 1 to "
                                        "%d\n",
                                        EVAL_MAX_JOBS);
                                return 2;
                        }
                        break;
                case 'J':
                        as_json = 1;
                        break;
                case 'm':
                        mismatches = 1;
                        break;
                case 'S':
                        run.summarize = 0;
                        break;
                case 'q':
                        run.quiet = 1;
                        break;
                case 'h':
                        eval_usage(stdout);
                        return 0;
                default:
                        eval_usage(stderr);
                        return 2;
                }
        }
        if (optind != argc || nlabels == 0) {
                eval_usage(stderr);
                return 2;
        }
        if (run.nroutes == 0)
                run.routes[run.nroutes++].name = "builtin";
        for (i = 0; i < run.nroutes; i++)
                for (size_t k = 0; k < i; k++)
                        if (strcmp(run.routes[i].name, run.routes[k].name) ==
                            0) {
                                fprintf(stderr,
                                        "docpipe eval: --route %s twice\n",
                                        run.routes[i].name);
                                return 2;
                        }

        err_clear(&err);
        if (config_load(&run.base, path, &err) < 0) {
                fprintf(stderr, "docpipe eval: %s\n", err.msg);
                return 2;
        }
        for (i = 0; i < run.nroutes; i++) {
                const char *n = run.routes[i].name;

                if (strcmp(n, "builtin") != 0 && strcmp(n, "configured") != 0 &&
                    !config_endpoint_find(&run.base, n)) {
                        fprintf(stderr,
                                "docpipe eval: --route %s: neither builtin, "
                                "configured, nor an endpoint of "
                                "models.endpoints%s\n",
                                n, path ? "" : " (no -c FILE given)");
                        config_cleanup(&run.base);
                        return 2;
                }
        }
        /* Warnings only: the table is the output. */
        log_set_level(LOG_WARN);
        for (i = 0; i < nlabels; i++) {
                if (eval_labels_load(&run.set, labels[i], type, &err) < 0) {
                        fprintf(stderr, "docpipe eval: %s\n", err.msg);
                        goto out;
                }
        }
        if (run.set.n == 0) {
                fprintf(stderr, "docpipe eval: no labeled documents in %s%s\n",
                        labels[0], nlabels > 1 ? " ..." : "");
                goto out;
        }
        snprintf(threads, sizeof(threads), "%d", run.base.threads);
        setenv("UV_THREADPOOL_SIZE", threads, 1);
        run.loop = uv_default_loop();
        run.cpu = cpu_new(run.loop, run.base.threads * 2);
        run.env.loop = run.loop;
        run.env.cfg = &run.base;
        if (stage_extract.init(&run.extract, &run.env, &err) < 0) {
                fprintf(stderr, "docpipe eval: extract: %s\n", err.msg);
                goto out;
        }
        for (i = 0; i < run.nroutes; i++) {
                if (ev_route_init(&run, &run.routes[i], path, &err) < 0) {
                        fprintf(stderr, "docpipe eval: route %s: %s\n",
                                run.routes[i].name, err.msg);
                        goto out;
                }
                names[i] = run.routes[i].name;
        }
        run.answers = xcalloc(run.set.n * run.nroutes, sizeof(*run.answers));
        run.extract_s = xcalloc(run.set.n, sizeof(*run.extract_s));
        ev_start_next(&run);
        uv_run(run.loop, UV_RUN_DEFAULT);

        report = eval_score(
                &run.set, names, run.nroutes, run.answers, run.extract_s,
                (const char *const *)run.base.classes, run.base.classes_n);
        if (as_json) {
                json_dumpf(report, stdout, JSON_INDENT(2));
                fputc('\n', stdout);
        } else {
                eval_print(report, stdout, mismatches);
        }
        json_decref(report);
        rc = 0;
out:
        for (i = 0; i < run.nroutes; i++)
                ev_route_cleanup(&run.routes[i]);
        if (run.extract)
                stage_extract.destroy(run.extract);
        if (run.loop) {
                uv_run(run.loop, UV_RUN_DEFAULT);
                uv_loop_close(run.loop);
        }
        cpu_free(run.cpu);
        for (i = 0; run.answers && i < run.set.n * run.nroutes; i++)
                eval_answer_cleanup(&run.answers[i]);
        free(run.answers);
        free(run.extract_s);
        eval_set_cleanup(&run.set);
        config_cleanup(&run.base);
        return rc;
}
