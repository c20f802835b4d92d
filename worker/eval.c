/*
 * eval: labeled sets, value normalization, scoring and the report of
 * `docpipe eval` (see eval.h). The report is built once, as JSON, and the
 * table is printed from it, so that both outputs say the same. Owns the
 * labels it loads; everything else is the caller's or returned new.
 */
#include "eval.h"

#include <dirent.h>
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doc.h"

/* ---- labels ------------------------------------------------------------ */

/* "dir/name.pdf" -> "name.pdf" (borrowed from path). */
static const char *eval_base(const char *path)
{
        const char *s = strrchr(path, '/');

        return s ? s + 1 : path;
}

/* Appends a label; steals path and fields. */
static void eval_push(struct eval_set *set, char *path, const char *type,
                      json_t *fields, const char *language)
{
        struct eval_label *l;

        set->v = xrealloc(set->v, (set->n + 1) * sizeof(*set->v));
        l = &set->v[set->n++];
        l->path = path;
        l->id = xstrdup(eval_base(path));
        l->type = type && type[0] ? xstrdup(type) : NULL;
        l->fields = fields ? fields : json_object();
        l->language = language && language[0] ? xstrdup(language) : NULL;
}

/* A number of an invoice2data file as docpipe writes amounts: "4.11". */
static json_t *eval_amount(const json_t *v)
{
        if (json_is_number(v)) {
                char buf[64];

                snprintf(buf, sizeof(buf), "%.2f", json_number_value(v));
                return json_string(buf);
        }
        if (json_is_string(v))
                return json_string(json_string_value(v));
        return NULL;
}

/* invoice2data's expectation (the first object of its array) as the
 * fields of docpipe's invoice schema. New object. */
static json_t *eval_from_invoice2data(const json_t *o)
{
        static const struct {
                const char *from, *to;
                int amount;
        } map[] = {
                {"issuer", "vendor", 0},
                {"amount", "total", 1},
                {"date", "issue_date", 0},
                {"invoice_number", "invoice_number", 0},
                {"currency", "currency", 0},
        };
        json_t *fields = json_object();
        char buf[64];

        for (size_t i = 0; i < G_N_ELEMENTS(map); i++) {
                const json_t *v = json_object_get(o, map[i].from);
                json_t *nv = NULL;

                if (map[i].amount)
                        nv = eval_amount(v);
                else if (json_is_string(v))
                        nv = json_string(json_string_value(v));
                else if (json_is_integer(v)) {
                        snprintf(buf, sizeof(buf), "%lld",
                                 (long long)json_integer_value(v));
                        nv = json_string(buf);
                }
                if (nv)
                        json_object_set_new(fields, map[i].to, nv);
        }
        return fields;
}

/* Reads the sidecar of a document; 0 with *type and *fields (new) set, or
 * -1 with err. */
static int eval_sidecar(const char *json_path, char **type, json_t **fields,
                        char **language, struct err *err)
{
        json_error_t je;
        json_t *root = json_load_file(json_path, 0, &je), *o;
        const char *t;

        *type = NULL;
        *fields = NULL;
        *language = NULL;
        if (!root)
                return err_set(err, ERR_INPUT, "%s:%d: %s", json_path, je.line,
                               je.text);
        o = json_is_array(root) ? json_array_get(root, 0) : root;
        if (json_is_array(root) && json_is_object(o)) {
                *type = xstrdup("invoice");
                *fields = eval_from_invoice2data(o);
                json_decref(root);
                return 0;
        }
        t = json_string_value(json_object_get(root, "type"));
        if (!t)
                t = json_string_value(json_object_get(root, "class"));
        if (!json_is_object(root) || !t) {
                json_decref(root);
                return err_set(err, ERR_INPUT,
                               "%s: neither docgen's ground truth (an object "
                               "with \"type\") nor invoice2data's (an array "
                               "of one object)",
                               json_path);
        }
        *type = xstrdup(t);
        t = json_string_value(json_object_get(root, "language"));
        if (t)
                *language = xstrdup(t);
        o = json_object_get(root, "fields");
        *fields = json_is_object(o) ? json_deep_copy(o) : json_object();
        json_decref(root);
        return 0;
}

static int eval_cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int eval_load_dir(struct eval_set *set, const char *dir,
                         const char *default_type, struct err *err)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        char **names = NULL;
        size_t n = 0, cap = 0, i;
        int rc = 0;

        if (!d)
                return err_set(err, ERR_INPUT, "%s: %s", dir, strerror(errno));
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);

                if (l < 5 || strcmp(de->d_name + l - 4, ".pdf") != 0)
                        continue;
                if (n == cap) {
                        cap = cap ? cap * 2 : 64;
                        names = xrealloc(names, cap * sizeof(*names));
                }
                names[n++] = xstrdup(de->d_name);
        }
        closedir(d);
        if (n)
                qsort(names, n, sizeof(*names), eval_cmp_str);
        for (i = 0; i < n; i++) {
                char *pdf = g_strdup_printf("%s/%s", dir, names[i]);
                char *json =
                        g_strdup_printf("%s/%.*s.json", dir,
                                        (int)(strlen(names[i]) - 4), names[i]);
                char *type = NULL, *lang = NULL;
                json_t *fields = NULL;

                if (rc == 0 && set->n >= EVAL_MAX_DOCS)
                        rc = err_set(err, ERR_INPUT,
                                     "%s: more than %d documents", dir,
                                     EVAL_MAX_DOCS);
                if (rc == 0 && access(json, R_OK) == 0) {
                        rc = eval_sidecar(json, &type, &fields, &lang, err);
                        if (rc == 0)
                                eval_push(set, xstrdup(pdf), type, fields,
                                          lang);
                } else if (rc == 0 && default_type) {
                        eval_push(set, xstrdup(pdf), default_type, NULL, NULL);
                } else if (rc == 0) {
                        set->skipped++;
                }
                free(type);
                free(lang);
                g_free(pdf);
                g_free(json);
                free(names[i]);
        }
        free(names);
        return rc;
}

static int eval_load_lines(struct eval_set *set, const char *file,
                           struct err *err)
{
        FILE *f = fopen(file, "r");
        char *line = NULL, *dir;
        size_t cap = 0;
        ssize_t len;
        int lineno = 0, rc = 0;

        if (!f)
                return err_set(err, ERR_INPUT, "%s: %s", file, strerror(errno));
        dir = g_path_get_dirname(file);
        while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
                json_error_t je;
                json_t *o, *fields;
                const char *p, *t, *lg;
                size_t k = 0;

                lineno++;
                while (k < (size_t)len && g_ascii_isspace(line[k]))
                        k++;
                if (k == (size_t)len || line[k] == '#')
                        continue;
                if ((size_t)len > EVAL_LINE_MAX) {
                        rc = err_set(err, ERR_INPUT,
                                     "%s:%d: line longer than %zu bytes", file,
                                     lineno, EVAL_LINE_MAX);
                        break;
                }
                o = json_loadb(line, (size_t)len, 0, &je);
                p = json_string_value(json_object_get(o, "path"));
                t = json_string_value(json_object_get(o, "type"));
                if (!t)
                        t = json_string_value(json_object_get(o, "class"));
                fields = json_object_get(o, "fields");
                lg = json_string_value(json_object_get(o, "language"));
                if (!o) {
                        rc = err_set(err, ERR_INPUT, "%s:%d: %s", file, lineno,
                                     je.text);
                } else if (!p || !p[0]) {
                        rc = err_set(err, ERR_INPUT,
                                     "%s:%d: a label needs \"path\"", file,
                                     lineno);
                } else if (fields && !json_is_object(fields)) {
                        rc = err_set(err, ERR_INPUT,
                                     "%s:%d: \"fields\" must be an object",
                                     file, lineno);
                } else if (set->n >= EVAL_MAX_DOCS) {
                        rc = err_set(err, ERR_INPUT,
                                     "%s:%d: more than %d documents", file,
                                     lineno, EVAL_MAX_DOCS);
                } else {
                        eval_push(
                                set,
                                p[0] == '/' ? xstrdup(p)
                                            : g_strdup_printf("%s/%s", dir, p),
                                t, fields ? json_deep_copy(fields) : NULL, lg);
                }
                json_decref(o);
        }
        free(line);
        g_free(dir);
        fclose(f);
        return rc;
}

int eval_labels_load(struct eval_set *set, const char *path,
                     const char *default_type, struct err *err)
{
        struct stat st;

        if (stat(path, &st) != 0)
                return err_set(err, ERR_INPUT, "%s: %s", path, strerror(errno));
        if (S_ISDIR(st.st_mode))
                return eval_load_dir(set, path, default_type, err);
        return eval_load_lines(set, path, err);
}

void eval_set_cleanup(struct eval_set *set)
{
        if (!set)
                return;
        for (size_t i = 0; i < set->n; i++) {
                /* paths come from g_strdup_printf or xstrdup: both are
                 * malloc'd (GLib uses the system allocator). */
                free(set->v[i].path);
                free(set->v[i].id);
                free(set->v[i].type);
                free(set->v[i].language);
                json_decref(set->v[i].fields);
        }
        free(set->v);
        memset(set, 0, sizeof(*set));
}

void eval_answer_cleanup(struct eval_answer *a)
{
        if (!a)
                return;
        free(a->cls);
        free(a->language);
        free(a->summary);
        json_decref(a->fields);
        memset(a, 0, sizeof(*a));
}

/* ---- normalization ----------------------------------------------------- */

enum eval_kind { EK_TEXT, EK_NAME, EK_ID, EK_AMOUNT };

static enum eval_kind eval_kind_of(const char *field)
{
        static const char *const names[] = {
                "vendor",  "customer",       "merchant",
                "company", "account_holder", "taxpayer",
                "parties", "governing_law",  NULL};
        static const char *const ids[] = {"invoice_number", "iban", "form",
                                          NULL};
        static const char *const amounts[] = {
                "total",           "subtotal",   "tax",
                "revenue",         "net_income", "opening_balance",
                "closing_balance", NULL};
        const char *const *p;

        for (p = names; *p; p++)
                if (strcmp(field, *p) == 0)
                        return EK_NAME;
        for (p = ids; *p; p++)
                if (strcmp(field, *p) == 0)
                        return EK_ID;
        for (p = amounts; *p; p++)
                if (strcmp(field, *p) == 0)
                        return EK_AMOUNT;
        return EK_TEXT;
}

/* NFKC, case folded, trimmed, white space runs as one space. New. */
static char *eval_fold(const char *s)
{
        char *norm = g_utf8_normalize(s, -1, G_NORMALIZE_NFKC);
        char *folded = g_utf8_casefold(norm ? norm : s, -1);
        GString *out = g_string_new(NULL);
        int space = 0;
        char *r;

        for (const char *p = folded; *p; p++) {
                if (g_ascii_isspace(*p)) {
                        space = out->len > 0;
                        continue;
                }
                if (space)
                        g_string_append_c(out, ' ');
                space = 0;
                g_string_append_c(out, *p);
        }
        g_free(norm);
        g_free(folded);
        r = xstrdup(out->str);
        g_string_free(out, TRUE);
        return r;
}

/* A company or person name: dots dropped (B.V. is bv), other punctuation
 * a space, and legal forms at the end left out. New. */
static char *eval_name(const char *s)
{
        static const char *const legal[] = {
                "inc",     "incorporated", "corp",    "corporation", "co",
                "company", "ltd",          "limited", "llc",         "llp",
                "lp",      "plc",          "gmbh",    "mbh",         "ag",
                "kg",      "kgaa",         "ohg",     "ug",          "se",
                "sa",      "sas",          "sasu",    "sarl",        "srl",
                "spa",     "bv",           "nv",      "bvba",        "vof",
                "sl",      "ab",           "as",      "oy",          "oyj",
                "aps",     "pty",          "ek",      "eurl",        "sprl",
                NULL};
        char *f = eval_fold(s);
        GString *t = g_string_new(NULL);
        gchar **words;
        int n, k;
        char *r;

        for (const unsigned char *p = (const unsigned char *)f; *p; p++) {
                if (*p == '.')
                        continue;
                if (*p < 0x80 && !g_ascii_isalnum(*p))
                        g_string_append_c(t, ' ');
                else
                        g_string_append_c(t, (char)*p);
        }
        words = g_strsplit_set(t->str, " ", -1);
        n = (int)g_strv_length(words);
        for (;;) {
                while (n > 0 && !words[n - 1][0])
                        n--;
                for (k = 0; n > 1 && legal[k]; k++)
                        if (strcmp(words[n - 1], legal[k]) == 0)
                                break;
                if (n <= 1 || !legal[k])
                        break;
                n--;
        }
        g_string_truncate(t, 0);
        for (k = 0; k < n; k++) {
                if (!words[k][0])
                        continue;
                if (t->len)
                        g_string_append_c(t, ' ');
                g_string_append(t, words[k]);
        }
        r = xstrdup(t->str);
        g_strfreev(words);
        g_string_free(t, TRUE);
        free(f);
        return r;
}

/* An id: folded, no white space, no leading '#'. New. */
static char *eval_id(const char *s)
{
        char *f = eval_fold(s), *o = f;

        for (const char *p = f; *p; p++)
                if (!g_ascii_isspace(*p) && !(o == f && *p == '#'))
                        *o++ = *p;
        *o = '\0';
        return f;
}

/* The amount of v to the cent, or -1 when it is not a plain number. */
static int eval_number(const json_t *v, double *out)
{
        const char *s, *p;
        char *end;

        if (json_is_number(v)) {
                *out = json_number_value(v);
                return isfinite(*out) ? 0 : -1;
        }
        s = json_string_value(v);
        if (!s)
                return -1;
        for (p = s; *p; p++)
                if (!(g_ascii_isdigit(*p) || *p == '.' || *p == '-' ||
                      *p == '+' || *p == ' '))
                        return -1;
        *out = g_ascii_strtod(s, &end);
        while (*end == ' ')
                end++;
        return end != s && *end == '\0' && isfinite(*out) ? 0 : -1;
}

static char *eval_scalar(enum eval_kind kind, const json_t *v)
{
        char buf[64];
        double x;
        const char *s;

        if (kind == EK_AMOUNT && eval_number(v, &x) == 0) {
                snprintf(buf, sizeof(buf), "%.2f",
                         round(x * 100.0) / 100.0 + 0.0);
                return xstrdup(strcmp(buf, "-0.00") == 0 ? "0.00" : buf);
        }
        if (json_is_integer(v)) {
                snprintf(buf, sizeof(buf), "%lld",
                         (long long)json_integer_value(v));
                s = buf;
        } else if (json_is_real(v)) {
                snprintf(buf, sizeof(buf), "%.15g", json_real_value(v));
                s = buf;
        } else if (json_is_string(v)) {
                s = json_string_value(v);
        } else if (json_is_true(v) || json_is_false(v)) {
                s = json_is_true(v) ? "true" : "false";
        } else {
                return NULL;
        }
        switch (kind) {
        case EK_NAME:
                return eval_name(s);
        case EK_ID:
                return eval_id(s);
        default:
                return eval_fold(s);
        }
}

char *eval_canonical(const char *field, const json_t *v)
{
        enum eval_kind kind = eval_kind_of(field ? field : "");
        char *r = NULL;

        if (!v || json_is_null(v))
                return NULL;
        if (json_is_array(v)) {
                GPtrArray *parts = g_ptr_array_new_with_free_func(free);
                GString *out = g_string_new("[");
                size_t i;
                json_t *e;

                json_array_foreach(v, i, e)
                {
                        char *c = eval_scalar(kind, e);
                        if (c && c[0])
                                g_ptr_array_add(parts, c);
                        else
                                free(c);
                }
                g_ptr_array_sort(parts, (GCompareFunc)eval_cmp_str);
                for (i = 0; i < parts->len; i++) {
                        if (i)
                                g_string_append_c(out, '|');
                        g_string_append(out, parts->pdata[i]);
                }
                g_string_append_c(out, ']');
                if (parts->len)
                        r = xstrdup(out->str);
                g_ptr_array_free(parts, TRUE);
                g_string_free(out, TRUE);
                return r;
        }
        r = eval_scalar(kind, v);
        if (r && !r[0]) {
                free(r);
                r = NULL;
        }
        return r;
}

/* ---- scoring ----------------------------------------------------------- */

/* Counts of one field over the documents whose label has it. */
struct eval_fstat {
        char *key; /* "invoice.total" */
        size_t expected, correct, empty, wrong;
};

static json_t *eval_ratio(size_t a, size_t b)
{
        return b ? json_real(round((double)a / (double)b * 10000.0) / 10000.0)
                 : json_null();
}

static size_t eval_class_index(GPtrArray *classes, const char *cls)
{
        for (size_t i = 0; i < classes->len; i++)
                if (strcmp(classes->pdata[i], cls) == 0)
                        return i;
        g_ptr_array_add(classes, xstrdup(cls));
        return classes->len - 1;
}

static struct eval_fstat *eval_fstat_get(GPtrArray *fs, const char *key)
{
        struct eval_fstat *s;

        for (size_t i = 0; i < fs->len; i++) {
                s = fs->pdata[i];
                if (strcmp(s->key, key) == 0)
                        return s;
        }
        s = xcalloc(1, sizeof(*s));
        s->key = xstrdup(key);
        g_ptr_array_add(fs, s);
        return s;
}

static void eval_fstat_free(gpointer p)
{
        struct eval_fstat *s = p;

        free(s->key);
        free(s);
}

static int eval_fstat_cmp(const void *a, const void *b)
{
        const struct eval_fstat *x = *(struct eval_fstat *const *)a;
        const struct eval_fstat *y = *(struct eval_fstat *const *)b;

        return strcmp(x->key, y->key);
}

static json_t *eval_json_value(const json_t *v)
{
        return v ? json_deep_copy(v) : json_null();
}

/* The report of route r. */
static json_t *eval_route(const struct eval_set *set, size_t nroutes, size_t r,
                          const char *name, const struct eval_answer *answers,
                          GPtrArray *classes)
{
        /* Calibration bands of the confidence, high to low. */
        static const double band_lo[] = {0.8, 0.5, 0.0};
        size_t band_n[3] = {0}, band_ok[3] = {0};
        size_t nc, typed = 0, correct = 0, failed = 0, i, j, k;
        size_t *expected, *predicted, *right, *conf;
        long in_tok = 0, out_tok = 0;
        double cost = 0, secs = 0, secs_max = 0;
        GPtrArray *fs = g_ptr_array_new_with_free_func(eval_fstat_free);
        json_t *o = json_object(), *mism = json_array(), *cls_o, *conf_o,
               *fields_o, *cal;
        size_t all_e = 0, all_c = 0, all_empty = 0, all_w = 0;
        size_t lang_n = 0, lang_ok = 0;

        /* Classes first, so that the tables are square. */
        for (i = 0; i < set->n; i++) {
                const struct eval_answer *a = &answers[i * nroutes + r];
                if (set->v[i].type)
                        eval_class_index(classes, set->v[i].type);
                eval_class_index(classes, a->cls ? a->cls : "(none)");
        }
        nc = classes->len;
        expected = xcalloc(nc, sizeof(size_t));
        predicted = xcalloc(nc, sizeof(size_t));
        right = xcalloc(nc, sizeof(size_t));
        conf = xcalloc(nc * nc, sizeof(size_t));

        for (i = 0; i < set->n; i++) {
                const struct eval_label *l = &set->v[i];
                const struct eval_answer *a = &answers[i * nroutes + r];
                const char *got = a->cls ? a->cls : "(none)";
                size_t gi = eval_class_index(classes, got);
                const char *key;
                json_t *want;

                failed += a->failed != 0;
                in_tok += a->input_tokens;
                out_tok += a->output_tokens;
                cost += a->cost_usd;
                secs += a->seconds;
                if (a->seconds > secs_max)
                        secs_max = a->seconds;
                if (a->failed)
                        json_array_append_new(
                                mism, json_pack("{s:s, s:s, s:s}", "document",
                                                l->id, "field", "(error)",
                                                "error", a->error));
                /* A route that says no language (a remote model asked
                 * for classes and fields) is not scored on it. */
                if (l->language && a->language) {
                        const char *gl = a->language;
                        lang_n++;
                        if (strcmp(gl, l->language) == 0)
                                lang_ok++;
                        else
                                json_array_append_new(
                                        mism,
                                        json_pack("{s:s, s:s, s:s, s:s}",
                                                  "document", l->id, "field",
                                                  "language", "expected",
                                                  l->language, "got", gl));
                }
                if (l->type) {
                        size_t ei = eval_class_index(classes, l->type);
                        int ok = strcmp(l->type, got) == 0;

                        typed++;
                        expected[ei]++;
                        predicted[gi]++;
                        conf[ei * nc + gi]++;
                        if (ok) {
                                correct++;
                                right[ei]++;
                        } else {
                                json_array_append_new(
                                        mism,
                                        json_pack("{s:s, s:s, s:s, s:s, s:f}",
                                                  "document", l->id, "field",
                                                  "class", "expected", l->type,
                                                  "got", got, "confidence",
                                                  a->confidence));
                        }
                        if (a->cls) {
                                for (k = 0; k < 2 && a->confidence < band_lo[k];
                                     k++)
                                        ;
                                band_n[k]++;
                                band_ok[k] += ok;
                        }
                }
                json_object_foreach(l->fields, key, want)
                {
                        char fk[160];
                        char *we = eval_canonical(key, want), *ge;
                        const json_t *gv =
                                a->fields ? json_object_get(a->fields, key)
                                          : NULL;
                        struct eval_fstat *s;

                        if (!we)
                                continue; /* nothing expected */
                        snprintf(fk, sizeof(fk), "%s.%s",
                                 l->type ? l->type : "?", key);
                        s = eval_fstat_get(fs, fk);
                        ge = eval_canonical(key, gv);
                        s->expected++;
                        if (!ge) {
                                s->empty++;
                        } else if (strcmp(we, ge) == 0) {
                                s->correct++;
                        } else {
                                s->wrong++;
                        }
                        if (!ge || strcmp(we, ge) != 0)
                                json_array_append_new(
                                        mism,
                                        json_pack("{s:s, s:s, s:o, s:o}",
                                                  "document", l->id, "field",
                                                  fk, "expected",
                                                  eval_json_value(want), "got",
                                                  eval_json_value(gv)));
                        free(we);
                        free(ge);
                }
        }

        json_object_set_new(o, "route", json_string(name));
        json_object_set_new(o, "documents", json_integer((json_int_t)set->n));
        json_object_set_new(o, "failed", json_integer((json_int_t)failed));
        json_object_set_new(o, "typed", json_integer((json_int_t)typed));
        json_object_set_new(o, "type_correct",
                            json_integer((json_int_t)correct));
        json_object_set_new(o, "type_accuracy", eval_ratio(correct, typed));
        json_object_set_new(o, "language_labeled",
                            json_integer((json_int_t)lang_n));
        json_object_set_new(o, "language_correct",
                            json_integer((json_int_t)lang_ok));
        json_object_set_new(o, "language_accuracy",
                            eval_ratio(lang_ok, lang_n));

        cls_o = json_object();
        conf_o = json_object();
        for (i = 0; i < nc; i++) {
                json_t *row = json_object();
                const char *cn = classes->pdata[i];

                if (expected[i] || predicted[i])
                        json_object_set_new(
                                cls_o, cn,
                                json_pack("{s:I, s:I, s:I, s:o, s:o}",
                                          "expected", (json_int_t)expected[i],
                                          "predicted", (json_int_t)predicted[i],
                                          "correct", (json_int_t)right[i],
                                          "precision",
                                          eval_ratio(right[i], predicted[i]),
                                          "recall",
                                          eval_ratio(right[i], expected[i])));
                for (j = 0; j < nc; j++)
                        if (conf[i * nc + j])
                                json_object_set_new(
                                        row, classes->pdata[j],
                                        json_integer(
                                                (json_int_t)conf[i * nc + j]));
                if (expected[i])
                        json_object_set_new(conf_o, cn, row);
                else
                        json_decref(row);
        }
        json_object_set_new(o, "classes", cls_o);
        json_object_set_new(o, "confusion", conf_o);

        cal = json_array();
        for (k = 0; k < 3; k++)
                json_array_append_new(
                        cal,
                        json_pack("{s:f, s:f, s:I, s:o}", "min", band_lo[k],
                                  "max", k ? band_lo[k - 1] : 1.0, "documents",
                                  (json_int_t)band_n[k], "accuracy",
                                  eval_ratio(band_ok[k], band_n[k])));
        json_object_set_new(o, "calibration", cal);

        g_ptr_array_sort(fs, (GCompareFunc)eval_fstat_cmp);
        fields_o = json_object();
        for (i = 0; i < fs->len; i++) {
                const struct eval_fstat *s = fs->pdata[i];

                all_e += s->expected;
                all_c += s->correct;
                all_empty += s->empty;
                all_w += s->wrong;
                json_object_set_new(
                        fields_o, s->key,
                        json_pack(
                                "{s:I, s:I, s:I, s:I, s:o, s:o}", "expected",
                                (json_int_t)s->expected, "correct",
                                (json_int_t)s->correct, "empty",
                                (json_int_t)s->empty, "wrong",
                                (json_int_t)s->wrong, "exact",
                                eval_ratio(s->correct, s->expected),
                                "precision",
                                eval_ratio(s->correct, s->correct + s->wrong)));
        }
        json_object_set_new(o, "fields", fields_o);
        json_object_set_new(
                o, "fields_all",
                json_pack("{s:I, s:I, s:I, s:I, s:o, s:o}", "expected",
                          (json_int_t)all_e, "correct", (json_int_t)all_c,
                          "empty", (json_int_t)all_empty, "wrong",
                          (json_int_t)all_w, "exact", eval_ratio(all_c, all_e),
                          "precision", eval_ratio(all_c, all_c + all_w)));
        json_object_set_new(
                o, "tokens",
                json_pack("{s:I, s:I, s:f}", "input", (json_int_t)in_tok,
                          "output", (json_int_t)out_tok, "per_document",
                          set->n ? (double)(in_tok + out_tok) / (double)set->n
                                 : 0.0));
        json_object_set_new(o, "cost_usd", json_real(cost));
        json_object_set_new(o, "cost_per_document_usd",
                            json_real(set->n ? cost / (double)set->n : 0.0));
        json_object_set_new(o, "seconds_per_document",
                            json_real(set->n ? secs / (double)set->n : 0.0));
        json_object_set_new(o, "seconds_max", json_real(secs_max));
        json_object_set_new(o, "mismatches", mism);

        free(expected);
        free(predicted);
        free(right);
        free(conf);
        g_ptr_array_free(fs, TRUE);
        return o;
}

json_t *eval_score(const struct eval_set *set, const char *const *routes,
                   size_t nroutes, const struct eval_answer *answers,
                   const double *extract_seconds, const char *const *classes,
                   size_t classes_n)
{
        GPtrArray *cls = g_ptr_array_new_with_free_func(free);
        json_t *o = json_object(), *arr = json_array(), *cl;
        double ex = 0;
        size_t i, r;

        for (i = 0; classes && i < classes_n; i++)
                eval_class_index(cls, classes[i]);
        for (i = 0; extract_seconds && i < set->n; i++)
                ex += extract_seconds[i];
        for (r = 0; r < nroutes; r++)
                json_array_append_new(arr, eval_route(set, nroutes, r,
                                                      routes[r], answers, cls));
        cl = json_array();
        for (i = 0; i < cls->len; i++)
                json_array_append_new(cl, json_string(cls->pdata[i]));
        json_object_set_new(o, "documents", json_integer((json_int_t)set->n));
        json_object_set_new(o, "skipped",
                            json_integer((json_int_t)set->skipped));
        json_object_set_new(o, "extract_seconds_per_document",
                            json_real(set->n ? ex / (double)set->n : 0.0));
        json_object_set_new(o, "classes", cl);
        json_object_set_new(o, "routes", arr);
        g_ptr_array_free(cls, TRUE);
        return o;
}

/* ---- the table ---------------------------------------------------------- */

#define EVAL_LABEL_W 40 /* first column */
#define EVAL_CELL_W 31  /* one route's column */

static double eval_num(const json_t *o, const char *key)
{
        return json_number_value(json_object_get(o, key));
}

static long long eval_int(const json_t *o, const char *key)
{
        return (long long)json_integer_value(json_object_get(o, key));
}

/* A ratio, or "-" when there was nothing to divide by. */
static void eval_fmt_ratio(char *buf, size_t n, const json_t *v)
{
        if (json_is_number(v))
                snprintf(buf, n, "%.3f", json_number_value(v));
        else
                snprintf(buf, n, "-");
}

/* Prints a row: label, then one cell per route from fn. */
static void eval_row(FILE *f, const json_t *routes, const char *label,
                     void (*fn)(const json_t *route, const void *arg, char *buf,
                                size_t n),
                     const void *arg)
{
        size_t r;
        json_t *route;

        fprintf(f, "%-*s", EVAL_LABEL_W, label);
        json_array_foreach(routes, r, route)
        {
                char buf[128];

                fn(route, arg, buf, sizeof(buf));
                fprintf(f, " %-*s", EVAL_CELL_W - 1, buf);
        }
        fputc('\n', f);
}

static void cell_accuracy(const json_t *rt, const void *arg, char *buf,
                          size_t n)
{
        char a[16];

        (void)arg;
        eval_fmt_ratio(a, sizeof(a), json_object_get(rt, "type_accuracy"));
        snprintf(buf, n, "%s (%lld/%lld)", a, eval_int(rt, "type_correct"),
                 eval_int(rt, "typed"));
}

static void cell_language(const json_t *rt, const void *arg, char *buf,
                          size_t n)
{
        char a[16];

        (void)arg;
        eval_fmt_ratio(a, sizeof(a), json_object_get(rt, "language_accuracy"));
        snprintf(buf, n, "%s (%lld/%lld)", a, eval_int(rt, "language_correct"),
                 eval_int(rt, "language_labeled"));
}

static void cell_failed(const json_t *rt, const void *arg, char *buf, size_t n)
{
        (void)arg;
        snprintf(buf, n, "%lld", eval_int(rt, "failed"));
}

static void cell_band(const json_t *rt, const void *arg, char *buf, size_t n)
{
        const json_t *b = json_array_get(json_object_get(rt, "calibration"),
                                         (size_t) * (const int *)arg);
        char a[16];

        eval_fmt_ratio(a, sizeof(a), json_object_get(b, "accuracy"));
        snprintf(buf, n, "%lld docs, %s right", eval_int(b, "documents"), a);
}

static void cell_tokens(const json_t *rt, const void *arg, char *buf, size_t n)
{
        const json_t *t = json_object_get(rt, "tokens");

        (void)arg;
        snprintf(buf, n, "%.0f (in %lld, out %lld)",
                 eval_num(t, "per_document"), eval_int(t, "input"),
                 eval_int(t, "output"));
}

static void cell_cost(const json_t *rt, const void *arg, char *buf, size_t n)
{
        (void)arg;
        snprintf(buf, n, "$%.6f ($%.2f/1000)", eval_num(rt, "cost_usd"),
                 eval_num(rt, "cost_per_document_usd") * 1000.0);
}

static void cell_time(const json_t *rt, const void *arg, char *buf, size_t n)
{
        (void)arg;
        snprintf(buf, n, "%.3f s (max %.3f)",
                 eval_num(rt, "seconds_per_document"),
                 eval_num(rt, "seconds_max"));
}

static void cell_class(const json_t *rt, const void *arg, char *buf, size_t n)
{
        const json_t *c = json_object_get(json_object_get(rt, "classes"), arg);
        char p[16], r[16];

        if (!c) {
                snprintf(buf, n, "-");
                return;
        }
        eval_fmt_ratio(p, sizeof(p), json_object_get(c, "precision"));
        eval_fmt_ratio(r, sizeof(r), json_object_get(c, "recall"));
        snprintf(buf, n, "%-6s %-6s", p, r);
}

static void cell_field(const json_t *rt, const void *arg, char *buf, size_t n)
{
        const json_t *s =
                arg ? json_object_get(json_object_get(rt, "fields"), arg)
                    : json_object_get(rt, "fields_all");
        char e[16], p[16];

        if (!s) {
                snprintf(buf, n, "-");
                return;
        }
        eval_fmt_ratio(e, sizeof(e), json_object_get(s, "exact"));
        eval_fmt_ratio(p, sizeof(p), json_object_get(s, "precision"));
        snprintf(buf, n, "%-6s %5lld %5lld %6s", e, eval_int(s, "empty"),
                 eval_int(s, "wrong"), p);
}

static void cell_head(const json_t *rt, const void *arg, char *buf, size_t n)
{
        (void)arg;
        snprintf(buf, n, "%s", json_string_value(json_object_get(rt, "route")));
}

static void cell_sub(const json_t *rt, const void *arg, char *buf, size_t n)
{
        (void)rt;
        snprintf(buf, n, "%s", (const char *)arg);
}

/* Does class cls occur in route rt's table (expected or given)? */
static int eval_occurs(const json_t *rt, const char *cls)
{
        return json_object_get(json_object_get(rt, "classes"), cls) != NULL;
}

static void eval_confusion(FILE *f, const json_t *report, const json_t *rt)
{
        const json_t *classes = json_object_get(report, "classes");
        const json_t *conf = json_object_get(rt, "confusion");
        size_t i, j, col[64], ncol = 0;
        json_t *c;

        fprintf(f,
                "\nconfusion, %s (rows: expected; columns: given, "
                "numbered as the rows)\n",
                json_string_value(json_object_get(rt, "route")));
        json_array_foreach(classes, i, c)
        {
                if (ncol < G_N_ELEMENTS(col) &&
                    eval_occurs(rt, json_string_value(c)))
                        col[ncol++] = i;
        }
        fprintf(f, "%-22s", "");
        for (j = 0; j < ncol; j++)
                fprintf(f, " %4zu", j + 1);
        fputc('\n', f);
        for (i = 0; i < ncol; i++) {
                const char *name =
                        json_string_value(json_array_get(classes, col[i]));
                const json_t *row = json_object_get(conf, name);
                char lab[32];

                snprintf(lab, sizeof(lab), "%2zu %s", i + 1, name);
                fprintf(f, "%-22s", lab);
                for (j = 0; j < ncol; j++) {
                        long long v =
                                row ? eval_int(row,
                                               json_string_value(json_array_get(
                                                       classes, col[j])))
                                    : 0;
                        if (v)
                                fprintf(f, " %4lld", v);
                        else
                                fprintf(f, " %4s", ".");
                }
                fputs(row ? "\n" : "   (given only)\n", f);
        }
}

static void eval_value(FILE *f, const json_t *v)
{
        char *s;

        if (!v || json_is_null(v)) {
                fputs("(empty)", f);
                return;
        }
        s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        fputs(s ? s : "?", f);
        free(s);
}

void eval_print(const json_t *report, FILE *f, int mismatches)
{
        const json_t *routes = json_object_get(report, "routes");
        const json_t *classes = json_object_get(report, "classes");
        GPtrArray *keys = g_ptr_array_new();
        size_t i, r;
        json_t *rt, *c;
        const char *key;
        json_t *v;
        char lab[96];
        int b;

        fprintf(f, "docpipe eval: %lld documents",
                eval_int(report, "documents"));
        if (eval_int(report, "skipped"))
                fprintf(f, " (%lld without a label skipped)",
                        eval_int(report, "skipped"));
        fprintf(f, ", extraction %.3f s/document\n\n",
                eval_num(report, "extract_seconds_per_document"));
        eval_row(f, routes, "route", cell_head, NULL);
        eval_row(f, routes, "type accuracy", cell_accuracy, NULL);
        if (eval_int(json_array_get(routes, 0), "language_labeled"))
                eval_row(f, routes, "language", cell_language, NULL);
        eval_row(f, routes, "failed documents", cell_failed, NULL);
        for (b = 0; b < 3; b++) {
                static const char *const bands[] = {"confidence >= 0.8",
                                                    "confidence 0.5 - 0.8",
                                                    "confidence < 0.5"};
                eval_row(f, routes, bands[b], cell_band, &b);
        }
        eval_row(f, routes, "tokens per document", cell_tokens, NULL);
        eval_row(f, routes, "cost", cell_cost, NULL);
        eval_row(f, routes, "time per document", cell_time, NULL);

        fprintf(f, "\nper class (expected documents)\n");
        eval_row(f, routes, "", cell_sub, "prec   recall");
        json_array_foreach(classes, i, c)
        {
                long long expected = 0;
                int seen = 0;
                json_array_foreach(routes, r, rt)
                {
                        const json_t *s =
                                json_object_get(json_object_get(rt, "classes"),
                                                json_string_value(c));
                        if (s)
                                expected = eval_int(s, "expected");
                        seen |= s != NULL;
                }
                if (!seen)
                        continue;
                snprintf(lab, sizeof(lab), "%s (%lld)", json_string_value(c),
                         expected);
                eval_row(f, routes, lab, cell_class, json_string_value(c));
        }

        fprintf(f, "\nfields (labeled): exact = right / labeled, empty = "
                   "left out, wrong = filled\nbut wrong, prec = right / "
                   "filled\n");
        eval_row(f, routes, "", cell_sub, "exact  empty wrong   prec");
        json_array_foreach(routes, r, rt)
        {
                json_object_foreach(json_object_get(rt, "fields"), key, v)
                {
                        size_t k;
                        for (k = 0; k < keys->len; k++)
                                if (strcmp(keys->pdata[k], key) == 0)
                                        break;
                        if (k == keys->len)
                                g_ptr_array_add(keys, (gpointer)key);
                }
        }
        g_ptr_array_sort(keys, (GCompareFunc)eval_cmp_str);
        for (i = 0; i < keys->len; i++) {
                long long expected = 0;
                json_array_foreach(routes, r, rt)
                {
                        const json_t *s = json_object_get(
                                json_object_get(rt, "fields"), keys->pdata[i]);
                        if (s)
                                expected = eval_int(s, "expected");
                }
                snprintf(lab, sizeof(lab), "%s (%lld)",
                         (const char *)keys->pdata[i], expected);
                eval_row(f, routes, lab, cell_field, keys->pdata[i]);
        }
        snprintf(lab, sizeof(lab), "all fields (%lld)",
                 eval_int(json_object_get(json_array_get(routes, 0),
                                          "fields_all"),
                          "expected"));
        eval_row(f, routes, lab, cell_field, NULL);
        g_ptr_array_free(keys, TRUE);

        for (r = 0; r < json_array_size(routes); r++)
                eval_confusion(f, report, json_array_get(routes, r));

        if (!mismatches)
                return;
        json_array_foreach(routes, r, rt)
        {
                size_t k;
                json_t *m;

                fprintf(f, "\nmismatches, %s\n",
                        json_string_value(json_object_get(rt, "route")));
                json_array_foreach(json_object_get(rt, "mismatches"), k, m)
                {
                        fprintf(f, "  %-20s %-28s ",
                                json_string_value(
                                        json_object_get(m, "document")),
                                json_string_value(json_object_get(m, "field")));
                        if (json_object_get(m, "error")) {
                                fprintf(f, "%s\n",
                                        json_string_value(
                                                json_object_get(m, "error")));
                                continue;
                        }
                        fputs("expected ", f);
                        eval_value(f, json_object_get(m, "expected"));
                        fputs(", got ", f);
                        eval_value(f, json_object_get(m, "got"));
                        fputc('\n', f);
                }
        }
}
