/*
 * eval: the measuring half of `docpipe eval` (cmd_eval.c runs the
 * documents). A labeled set (path, expected class, expected fields) is
 * loaded from a JSON lines file or from a folder of documents with a JSON
 * sidecar each (docgen's ground truth, or invoice2data's test files mapped
 * to docpipe's invoice fields); each route's answers are scored against it
 * into one JSON report (accuracy, per-class precision and recall, a
 * confusion table, per-field exact match after normalization with empty
 * and wrong values counted apart, language where the route gives one,
 * calibration of the confidence, tokens, cost, time), which eval_print
 * lays out as a table, routes side by side.
 * Pure functions over plain data; owns what its structs say.
 */
#ifndef DOCPIPE_EVAL_H
#define DOCPIPE_EVAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

/* Largest labeled set read (documents), and bytes of one label line. */
#define EVAL_MAX_DOCS 100000
#define EVAL_LINE_MAX ((size_t)1 << 20)

/* One labeled document. */
struct eval_label {
        char *path;     /* the document file (new) */
        char *id;       /* a short name for reports: file name (new) */
        char *type;     /* expected class (new), or NULL: not scored */
        char *language; /* expected ISO 639-1 code (new), or NULL */
        json_t *fields; /* expected fields (owned object), never NULL */
};

struct eval_set {
        struct eval_label *v; /* owned */
        size_t n;
        size_t skipped; /* documents of a folder without a label */
};

/* Appends the labels of path to set (zeroed before the first call):
 *  - a file: JSON lines, one object per line: "path" (relative to the
 *    file's folder), "type" (or "class"), "fields" (object, optional),
 *    "language" (optional);
 *    blank lines and lines starting with '#' are skipped;
 *  - a folder: every X.pdf with X.json beside it, either docgen's ground
 *    truth ({"type", "fields", ...}) or an invoice2data expectation
 *    ([{"issuer", "amount", "date", "invoice_number", "currency", ...}]:
 *    an invoice with vendor, total, issue_date, invoice_number, currency).
 *    A PDF without a sidecar gets type default_type (may be NULL: it is
 *    skipped and counted in set->skipped).
 * Returns 0, or -1 with err (ERR_INPUT, "FILE:LINE: message") and set
 * unchanged by the bad file's remaining lines. */
int eval_labels_load(struct eval_set *set, const char *path,
                     const char *default_type, struct err *err);

/* Frees what set owns and zeroes it; set may be NULL. */
void eval_set_cleanup(struct eval_set *set);

/* One route's answer on one document, as cmd_eval collected it. */
struct eval_answer {
        char *cls;         /* the class it gave (new), NULL: none */
        char *language;    /* the language it gave (new), or NULL */
        double confidence; /* of cls */
        json_t *fields;    /* owned object, or NULL: no fields */
        char *summary;     /* new, or NULL */
        long input_tokens, output_tokens;
        double cost_usd;
        double seconds;  /* the route's wall time on the document */
        int failed;      /* a stage failed (error says which, why) */
        char error[600]; /* room for a struct err message */
};

/* Releases what a owns (not a itself); a may be NULL. */
void eval_answer_cleanup(struct eval_answer *a);

/* The canonical form of a field value (new string) under which two values
 * are "the same" for field: amounts as numbers to the cent; names (vendor,
 * customer, merchant, company, account_holder, taxpayer, parties,
 * governing_law) case folded (NFKC), punctuation dropped and trailing
 * legal forms (Inc., B.V., GmbH & Co. KG) left out; ids (invoice_number,
 * iban, form) case folded without white space or a leading '#'; arrays as
 * sorted multisets; other text trimmed, case folded. NULL for a missing,
 * null or empty value. */
char *eval_canonical(const char *field, const json_t *v);

/* Returns the report (new JSON object) of answers, which holds
 * set->n * nroutes entries, document-major (answers[doc * nroutes + r]).
 * extract_seconds[doc] (may be NULL) is the extraction time, shared by the
 * routes. classes (may be NULL) lists the taxonomy, the order of the
 * confusion table; classes seen in labels or answers are added. */
json_t *eval_score(const struct eval_set *set, const char *const *routes,
                   size_t nroutes, const struct eval_answer *answers,
                   const double *extract_seconds, const char *const *classes,
                   size_t classes_n);

/* Prints report (from eval_score) to f as tables, the routes side by
 * side; with mismatches, also each misclassified document and each wrong
 * or missing field value. */
void eval_print(const json_t *report, FILE *f, int mismatches);

#endif
