/*
 * shadow: the measuring half of shadow sampling (models.shadow). Which
 * documents are sampled (a hash of the document id, so that every replica
 * and every replay of a document decides alike), and how a stage's answer
 * compares with the reference endpoint's answer to the same question:
 *
 *   classify   agree when the classes are equal; score 1 or 0; details
 *              carry both confidences.
 *   fields     per field, over the fields either answer has (null counts
 *              as absent): strings agree after trimming, folding runs of
 *              white space and case (Unicode NFKC, casefold), so dates
 *              agree only as the same YYYY-MM-DD; numbers and numeric
 *              strings ("1234.50", 1234.5) agree when numerically equal;
 *              arrays as multisets, objects key by key, both the same way.
 *              score = agreeing / compared (1 when neither has a field),
 *              agree when every field does; details {"compared",
 *              "agreeing", "disagree": [names, sorted]}.
 *   summarize  score = overlap of the two sets of words (Jaccard, case
 *              folded); agree at 0.5 or more. A rough measure: summaries
 *              are not expected to match word for word.
 *
 * The running half (the shadow call on a scratch copy of the document) is
 * the router's, in model.c. Pure functions; owns nothing.
 */
#ifndef DOCPIPE_SHADOW_H
#define DOCPIPE_SHADOW_H

#include <jansson.h>

#include "../doc.h"

/* Summaries agree at this word overlap or more. */
#define SHADOW_SUMMARY_AGREE 0.5

/* 1 when the document id falls in the sampled fraction rate (0..1): the
 * same answer for the same id everywhere. id may be NULL (never). */
int shadow_sampled(const char *id, double rate);

/* Each fills out's agree, score, primary, reference and details (new
 * JSON, owned by out); stage and model names are the caller's. Any
 * argument but out may be NULL (no answer). */
void shadow_compare_class(const char *primary, double primary_conf,
                          const char *reference, double reference_conf,
                          struct shadow_cmp *out);
void shadow_compare_fields(const json_t *primary, const json_t *reference,
                           struct shadow_cmp *out);
void shadow_compare_summary(const char *primary, const char *reference,
                            struct shadow_cmp *out);

/* The canonical text of a field value the comparison uses (new string),
 * or NULL for NULL and JSON null. Exposed for the tests. */
char *shadow_canonical(const json_t *v);

#endif
