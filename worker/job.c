/*
 * job: turns one Kafka message into a document to process (see job.h).
 * A message is a JSON envelope when its content-type header is
 * JOB_ENVELOPE_TYPE, or when it has no header and starts with '{';
 * otherwise it is the raw document. Raw documents take their id from the
 * key and their type from the header or the bytes. Envelopes are checked
 * against the schema of schemas/job.schema.json by hand, field by field, so
 * that each mistake gets its own message; size (limits.max_job_bytes) and
 * nesting depth (JOB_MAX_DEPTH) are capped before jansson sees the bytes,
 * and metadata, which is stored with the document, to JOB_METADATA_MAX
 * bytes of compact JSON.
 * Every failure is ERR_INPUT: a bad message stays bad. doc->job_json, for
 * dead letters, describes the job without its document bytes. Owns the
 * parsed JSON of one call; thread-safe.
 */
#include "job.h"

#include <glib.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOB_MAX_DEPTH 32       /* nesting of [ and { in an envelope */
#define JOB_METADATA_MAX 65536 /* bytes of metadata as compact JSON */
#define JOB_ID_MAX 200         /* bytes of an id or tenant */
#define JOB_TYPE_MAX 127       /* bytes of a content type */
#define JOB_URI_MAX 4096       /* bytes of a source uri */
#define JOB_SNIFF_PDF 1024     /* "%PDF-" must start within this */
#define JOB_SNIFF_TEXT 65536   /* text sniffing looks at this much */

static const char *const job_stage_names[] = {"classify", "fields",
                                              "summarize"};
static const unsigned job_stage_bits[] = {STAGE_CLASSIFY, STAGE_FIELDS,
                                          STAGE_SUMMARIZE};
#define JOB_STAGES_N (sizeof(job_stage_bits) / sizeof(job_stage_bits[0]))

/* Is s (n bytes) an acceptable id: 1..JOB_ID_MAX bytes of UTF-8 without
 * control characters (C0, DEL, C1)? */
static int job_id_ok(const char *s, size_t n)
{
        const char *p, *end = s + n;

        if (n == 0 || n > JOB_ID_MAX || !g_utf8_validate(s, (gssize)n, NULL))
                return 0;
        for (p = s; p < end; p = g_utf8_next_char(p)) {
                gunichar c = g_utf8_get_char(p);
                if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
                        return 0;
        }
        return 1;
}

/* Returns a new, normalised copy of content type ct (n bytes): parameters
 * ("; charset=utf-8") and blanks dropped, lowercase. NULL when what is left
 * is empty, too long or not printable ASCII without spaces. */
static char *job_type_norm(const char *ct, size_t n)
{
        const char *semi = memchr(ct, ';', n);
        char *res;
        size_t i;

        if (semi)
                n = (size_t)(semi - ct);
        while (n > 0 && g_ascii_isspace(*ct)) {
                ct++;
                n--;
        }
        while (n > 0 && g_ascii_isspace(ct[n - 1]))
                n--;
        if (n == 0 || n > JOB_TYPE_MAX)
                return NULL;
        for (i = 0; i < n; i++) {
                if ((unsigned char)ct[i] <= 0x20 ||
                    (unsigned char)ct[i] >= 0x7f)
                        return NULL;
        }
        res = xstrndup(ct, n);
        for (i = 0; i < n; i++)
                res[i] = g_ascii_tolower(res[i]);
        return res;
}

const char *job_sniff(const unsigned char *bytes, size_t len)
{
        size_t n = len < JOB_SNIFF_TEXT ? len : JOB_SNIFF_TEXT;
        const gchar *end;

        if (!bytes || len == 0)
                return NULL;
        if (memmem(bytes, len < JOB_SNIFF_PDF ? len : JOB_SNIFF_PDF, "%PDF-",
                   5))
                return "application/pdf";
        /* Images, by their signatures (read by OCR in the sandbox). */
        if (len >= 8 && memcmp(bytes, "\x89PNG\r\n\x1a\n", 8) == 0)
                return "image/png";
        if (len >= 3 && memcmp(bytes, "\xff\xd8\xff", 3) == 0)
                return "image/jpeg";
        if (len >= 4 &&
            (memcmp(bytes, "II*\0", 4) == 0 || memcmp(bytes, "MM\0*", 4) == 0))
                return "image/tiff";
        /* WebP: a RIFF container whose form type is "WEBP". */
        if (len >= 12 && memcmp(bytes, "RIFF", 4) == 0 &&
            memcmp(bytes + 8, "WEBP", 4) == 0)
                return "image/webp";
        if (memchr(bytes, '\0', n))
                return NULL;
        if (g_utf8_validate((const gchar *)bytes, (gssize)n, &end))
                return "text/plain";
        /* The window may end inside a character: that is still text when
         * the tail is the start of a valid one. */
        if (n < len && g_utf8_get_char_validated(
                               end, (gssize)((const gchar *)bytes + n - end)) ==
                               (gunichar)-2)
                return "text/plain";
        return NULL;
}

/* Writes s to out (size n) fit for an error message: valid UTF-8, control
 * characters and bytes that are not UTF-8 as '?', cut at a character
 * boundary. Returns out. */
static const char *job_show(const char *s, char *out, size_t n)
{
        size_t o = 0;

        while (*s) {
                gunichar c = g_utf8_get_char_validated(s, -1);
                int valid = c < 0x110000;
                int ok = valid && c >= 0x20 && !(c >= 0x7f && c <= 0x9f);
                size_t in = valid ? (size_t)(g_utf8_next_char(s) - s) : 1;
                size_t len = ok ? in : 1;

                if (o + len >= n)
                        break;
                if (ok)
                        memcpy(out + o, s, len);
                else
                        out[o] = '?';
                o += len;
                s += in;
        }
        out[o] = '\0';
        return out;
}

/* Returns a new JSON string for s, or null when s is NULL or not UTF-8. */
static json_t *job_jstr(const char *s)
{
        json_t *j = s ? json_string(s) : NULL;

        return j ? j : json_null();
}

/* Returns a new compact JSON text describing a message that is not (or not
 * readable as) an envelope: id, content type, size, where it came from. */
static char *job_raw_json(const struct doc *doc, const char *ct, size_t len)
{
        json_t *j = json_object();
        char *s;

        json_object_set_new(j, "id", job_jstr(doc->id));
        json_object_set_new(j, "content_type", job_jstr(ct));
        json_object_set_new(j, "bytes", json_integer((json_int_t)len));
        json_object_set_new(j, "source", json_string("kafka"));
        s = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        return s ? s : xstrdup("{}");
}

static int job_parse_raw(struct doc *doc, const unsigned char *payload,
                         size_t len, const char *key, size_t keylen,
                         const char *header, const struct config *cfg,
                         struct err *err)
{
        char *ct = NULL;
        const char *sniffed;
        int rc = -1;

        if (!key || !job_id_ok(key, keylen)) {
                err_set(err, ERR_INPUT,
                        "raw document needs a message key (the document id)"
                        " of 1 to %d bytes of printable UTF-8",
                        JOB_ID_MAX);
                goto out;
        }
        doc_set_str(&doc->id, NULL);
        doc->id = xstrndup(key, keylen);

        if ((int64_t)len > cfg->max_bytes) {
                err_set(err, ERR_INPUT,
                        "document is %zu bytes, over the cap of %lld "
                        "(limits.max_bytes)",
                        len, (long long)cfg->max_bytes);
                goto out;
        }
        if (header && *header) {
                ct = job_type_norm(header, strlen(header));
                if (!ct) {
                        char shown[104];

                        err_set(err, ERR_INPUT,
                                "invalid content-type header '%s'",
                                job_show(header, shown, sizeof(shown)));
                        goto out;
                }
        } else {
                sniffed = job_sniff(payload, len);
                if (!sniffed) {
                        err_set(err, ERR_INPUT,
                                "unknown content type: not a PDF, "
                                "image or text");
                        goto out;
                }
                ct = xstrdup(sniffed);
        }

        doc_set_str(&doc->tenant, "default");
        doc_set_str(&doc->source, "kafka");
        free(doc->content_type);
        doc->content_type = ct;
        ct = NULL; /* now owned by doc */
        free(doc->bytes);
        doc->bytes = xmalloc(len);
        memcpy(doc->bytes, payload, len);
        doc->len = len;
        rc = 0;
out:
        free(doc->job_json);
        doc->job_json = job_raw_json(
                doc, rc == 0 ? doc->content_type : (ct ? ct : header), len);
        free(ct);
        return rc;
}

/* Returns the deepest nesting of [ and { in s (n bytes) outside strings,
 * stopping as soon as it passes JOB_MAX_DEPTH. */
static int job_depth(const char *s, size_t n)
{
        int depth = 0, deepest = 0, in_str = 0, esc = 0;
        size_t i;

        for (i = 0; i < n && deepest <= JOB_MAX_DEPTH; i++) {
                char c = s[i];

                if (in_str) {
                        if (esc)
                                esc = 0;
                        else if (c == '\\')
                                esc = 1;
                        else if (c == '"')
                                in_str = 0;
                } else if (c == '"') {
                        in_str = 1;
                } else if (c == '[' || c == '{') {
                        depth++;
                        if (depth > deepest)
                                deepest = depth;
                } else if ((c == ']' || c == '}') && depth > 0) {
                        depth--;
                }
        }
        return deepest;
}

/* Is s (n bytes) strict base64: the alphabet, line breaks allowed, a length
 * (without line breaks) that is a multiple of 4, '=' only as the last one
 * or two characters? Sets *decoded to the decoded size. */
static int job_base64_ok(const char *s, size_t n, size_t *decoded)
{
        size_t i, count = 0, pad = 0;

        for (i = 0; i < n; i++) {
                char c = s[i];

                if (c == '\r' || c == '\n')
                        continue;
                if (c == '=') {
                        pad++;
                } else if (pad > 0 ||
                           !(g_ascii_isalnum(c) || c == '+' || c == '/')) {
                        return 0;
                }
                count++;
        }
        if (count % 4 != 0 || pad > 2)
                return 0;
        *decoded = count / 4 * 3 - pad;
        return 1;
}

/* Replaces source.inline (if a string) in envelope root with inline_bytes:
 * its decoded size, so that dead letters do not carry the document. */
static void job_drop_inline(json_t *root)
{
        json_t *src = json_object_get(root, "source");
        json_t *in = json_object_get(src, "inline");
        size_t n = 0;

        if (!json_is_string(in))
                return;
        if (!job_base64_ok(json_string_value(in), json_string_length(in), &n))
                n = json_string_length(in) / 4 * 3; /* about */
        json_object_del(src, "inline");
        json_object_set_new(src, "inline_bytes", json_integer((json_int_t)n));
}

/* Reads field 'name' of obj as a string of 1..max bytes; returns it
 * borrowed, or NULL with err. With check_id, it must also be a valid id. */
static const char *job_get_str(json_t *obj, const char *name, size_t max,
                               int check_id, struct err *err)
{
        json_t *v = json_object_get(obj, name);
        size_t n;

        if (!json_is_string(v)) {
                err_set(err, ERR_INPUT, "field '%s' must be a string", name);
                return NULL;
        }
        n = json_string_length(v);
        if (n == 0 || n > max ||
            (check_id && !job_id_ok(json_string_value(v), n))) {
                err_set(err, ERR_INPUT, "field '%s' must be 1 to %zu bytes%s",
                        name, max, check_id ? " of printable UTF-8" : "");
                return NULL;
        }
        /* jansson allows NUL in strings only with JSON_ALLOW_NUL, which is
         * not given: the C string is the whole value. */
        return json_string_value(v);
}

/* Checks source (an object with exactly one of inline or uri). Fills
 * *bytes and *len (new) for inline data or *uri (borrowed) for a uri. */
static int job_parse_source(json_t *src, const struct config *cfg,
                            unsigned char **bytes, size_t *len,
                            const char **uri, struct err *err)
{
        json_t *in, *u;
        const char *key, *s;
        json_t *v;
        size_t n, dlen;
        char shown[68];
        gint state = 0;
        guint save = 0;

        if (!json_is_object(src))
                return err_set(err, ERR_INPUT,
                               "field 'source' must be an object");
        json_object_foreach(src, key, v)
        {
                if (strcmp(key, "inline") != 0 && strcmp(key, "uri") != 0)
                        return err_set(err, ERR_INPUT,
                                       "unknown field 'source.%s'",
                                       job_show(key, shown, sizeof(shown)));
        }
        in = json_object_get(src, "inline");
        u = json_object_get(src, "uri");
        if ((in != NULL) == (u != NULL))
                return err_set(err, ERR_INPUT,
                               "field 'source' must have exactly one of "
                               "'inline' or 'uri'");

        if (in) {
                if (!json_is_string(in))
                        return err_set(err, ERR_INPUT,
                                       "field 'source.inline' must be a "
                                       "string");
                s = json_string_value(in);
                n = json_string_length(in);
                if (!job_base64_ok(s, n, &dlen))
                        return err_set(err, ERR_INPUT,
                                       "field 'source.inline' is not valid "
                                       "base64");
                if (dlen == 0)
                        return err_set(err, ERR_INPUT,
                                       "field 'source.inline' is empty");
                if ((int64_t)dlen > cfg->max_bytes)
                        return err_set(err, ERR_INPUT,
                                       "document is %zu bytes, over the cap "
                                       "of %lld (limits.max_bytes)",
                                       dlen, (long long)cfg->max_bytes);
                /* Decoded into our own buffer, not g_base64_decode's
                 * g_malloc one, because doc_free uses free(). */
                *bytes = xmalloc(dlen + 3);
                *len = g_base64_decode_step(s, n, *bytes, &state, &save);
                return 0;
        }

        if (!json_is_string(u))
                return err_set(err, ERR_INPUT,
                               "field 'source.uri' must be a string");
        s = json_string_value(u);
        n = json_string_length(u);
        if (n == 0 || n > JOB_URI_MAX)
                return err_set(err, ERR_INPUT,
                               "field 'source.uri' must be 1 to %d bytes",
                               JOB_URI_MAX);
        if (g_ascii_strncasecmp(s, "file://", 7) != 0 &&
            g_ascii_strncasecmp(s, "http://", 7) != 0 &&
            g_ascii_strncasecmp(s, "https://", 8) != 0) {
                /* Only the scheme: the rest may carry credentials. */
                char scheme[17];
                size_t sl = strcspn(s, ":");

                if (!s[sl])
                        sl = 0;
                snprintf(scheme, sizeof(scheme), "%.*s", (int)sl, s);
                return err_set(err, ERR_INPUT,
                               "unsupported uri scheme '%s' (file, http or "
                               "https)",
                               job_show(scheme, shown, sizeof(shown)));
        }
        *uri = s;
        return 0;
}

/* Reads stages (an array of stage names) into *mask. */
static int job_parse_stages(json_t *arr, unsigned *mask, struct err *err)
{
        size_t i, k;
        json_t *v;
        char shown[68];

        *mask = 0;
        if (!json_is_array(arr))
                return err_set(err, ERR_INPUT,
                               "field 'stages' must be an array of strings");
        json_array_foreach(arr, i, v)
        {
                const char *name = json_string_value(v);

                if (!name)
                        return err_set(err, ERR_INPUT,
                                       "field 'stages' must be an array of "
                                       "strings");
                for (k = 0; k < JOB_STAGES_N; k++) {
                        if (strcmp(name, job_stage_names[k]) == 0)
                                break;
                }
                if (k == JOB_STAGES_N)
                        return err_set(err, ERR_INPUT,
                                       "unknown stage '%s' (classify, "
                                       "fields or summarize)",
                                       job_show(name, shown, sizeof(shown)));
                *mask |= job_stage_bits[k];
        }
        return 0;
}

static int job_parse_envelope(struct doc *doc, const char *payload, size_t len,
                              const struct config *cfg, struct err *err)
{
        static const char *const known[] = {
                "id", "tenant", "source", "content_type", "stages", "metadata"};
        json_t *root = NULL, *v, *meta = NULL;
        json_error_t jerr;
        const char *id, *tenant = "default", *uri = NULL, *key;
        unsigned char *bytes = NULL;
        size_t blen = 0, mlen, k;
        unsigned mask = STAGE_ALL;
        char *ct = NULL, shown[68];
        int rc = -1;

        if ((int64_t)len > cfg->max_job_bytes) {
                err_set(err, ERR_INPUT,
                        "job envelope is %zu bytes, over the cap of %lld "
                        "(limits.max_job_bytes)",
                        len, (long long)cfg->max_job_bytes);
                goto out;
        }
        if (job_depth(payload, len) > JOB_MAX_DEPTH) {
                err_set(err, ERR_INPUT,
                        "invalid job envelope: nested deeper than %d levels",
                        JOB_MAX_DEPTH);
                goto out;
        }
        root = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root) {
                char text[JSON_ERROR_TEXT_LENGTH];

                /* jansson quotes the token it choked on: make it
                 * printable. */
                err_set(err, ERR_INPUT,
                        "invalid job envelope: %s at line %d column %d",
                        job_show(jerr.text, text, sizeof(text)), jerr.line,
                        jerr.column);
                goto out;
        }
        if (!json_is_object(root)) {
                err_set(err, ERR_INPUT,
                        "invalid job envelope: not a JSON object");
                goto out;
        }

        /* The id first, so that every later error is filed under it. */
        if (!json_object_get(root, "id")) {
                err_set(err, ERR_INPUT, "field 'id' is required");
                goto out;
        }
        id = job_get_str(root, "id", JOB_ID_MAX, 1, err);
        if (!id)
                goto out;
        doc_set_str(&doc->id, id);

        json_object_foreach(root, key, v)
        {
                for (k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
                        if (strcmp(key, known[k]) == 0)
                                break;
                }
                if (k == sizeof(known) / sizeof(known[0])) {
                        err_set(err, ERR_INPUT, "unknown field '%s'",
                                job_show(key, shown, sizeof(shown)));
                        goto out;
                }
        }

        if (json_object_get(root, "tenant")) {
                tenant = job_get_str(root, "tenant", JOB_ID_MAX, 1, err);
                if (!tenant)
                        goto out;
        }
        v = json_object_get(root, "source");
        if (!v) {
                err_set(err, ERR_INPUT, "field 'source' is required");
                goto out;
        }
        if (job_parse_source(v, cfg, &bytes, &blen, &uri, err) < 0)
                goto out;
        v = json_object_get(root, "content_type");
        if (v) {
                if (!json_is_string(v)) {
                        err_set(err, ERR_INPUT,
                                "field 'content_type' must be a string");
                        goto out;
                }
                ct = job_type_norm(json_string_value(v), json_string_length(v));
                if (!ct) {
                        err_set(err, ERR_INPUT,
                                "field 'content_type' is not a content type");
                        goto out;
                }
        }
        v = json_object_get(root, "stages");
        if (v && job_parse_stages(v, &mask, err) < 0)
                goto out;
        meta = json_object_get(root, "metadata");
        if (meta && !json_is_object(meta)) {
                err_set(err, ERR_INPUT, "field 'metadata' must be an object");
                goto out;
        }
        /* json_dumpb without a buffer only measures. */
        mlen = meta ? json_dumpb(meta, NULL, 0, JSON_COMPACT) : 0;
        if (mlen > JOB_METADATA_MAX) {
                err_set(err, ERR_INPUT,
                        "field 'metadata' is %zu bytes of JSON, over the cap "
                        "of %d",
                        mlen, JOB_METADATA_MAX);
                goto out;
        }

        doc_set_str(&doc->tenant, tenant);
        doc_set_str(&doc->source, uri ? uri : "kafka");
        free(doc->content_type);
        doc->content_type = ct;
        ct = NULL; /* now owned by doc */
        free(doc->bytes);
        doc->bytes = bytes;
        doc->len = blen;
        bytes = NULL; /* now owned by doc */
        doc->stages = mask;
        if (doc->metadata)
                json_decref(doc->metadata);
        doc->metadata = meta ? json_incref(meta) : NULL;
        rc = 0;
out:
        free(doc->job_json);
        doc->job_json = NULL;
        if (json_is_object(root)) {
                job_drop_inline(root);
                doc->job_json = json_dumps(root, JSON_COMPACT);
        }
        if (!doc->job_json)
                doc->job_json = job_raw_json(doc, JOB_ENVELOPE_TYPE, len);
        if (root)
                json_decref(root);
        free(bytes);
        free(ct);
        return rc;
}

/* Is the message an envelope: the envelope content type, or no header and
 * '{' as the first byte that is not a blank? */
static int job_is_envelope(const unsigned char *p, size_t len,
                           const char *header)
{
        size_t i;

        if (header && *header) {
                char *ct = job_type_norm(header, strlen(header));
                int yes = ct && strcmp(ct, JOB_ENVELOPE_TYPE) == 0;

                free(ct);
                return yes;
        }
        for (i = 0; i < len; i++) {
                if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
                        return p[i] == '{';
        }
        return 0;
}

int job_parse(struct doc *doc, const void *payload, size_t len, const void *key,
              size_t keylen, const char *content_type, const struct config *cfg,
              struct err *err)
{
        /* The key names the document until the message says otherwise, so
         * that even an empty or unreadable message is known by it. */
        if (key && job_id_ok(key, keylen)) {
                free(doc->id);
                doc->id = xstrndup(key, keylen);
        }
        if (!payload || len == 0) {
                free(doc->job_json);
                doc->job_json = job_raw_json(doc, content_type, 0);
                return err_set(err, ERR_INPUT, "empty message");
        }
        if (job_is_envelope(payload, len, content_type))
                return job_parse_envelope(doc, payload, len, cfg, err);
        return job_parse_raw(doc, payload, len, key, keylen, content_type, cfg,
                             err);
}

char *job_envelope_new(const char *id, const char *tenant,
                       const unsigned char *bytes, size_t len, const char *uri,
                       const char *content_type, unsigned stages)
{
        json_t *root = json_object(), *src = json_object(), *arr;
        char *s;
        size_t k;

        json_object_set_new(root, "id", job_jstr(id));
        if (tenant)
                json_object_set_new(root, "tenant", job_jstr(tenant));
        if (bytes) {
                gchar *b64 = g_base64_encode(bytes, len);

                json_object_set_new(src, "inline", json_string(b64));
                g_free(b64);
        } else {
                json_object_set_new(src, "uri", job_jstr(uri));
        }
        json_object_set_new(root, "source", src);
        if (content_type)
                json_object_set_new(root, "content_type",
                                    job_jstr(content_type));
        arr = json_array();
        for (k = 0; k < JOB_STAGES_N; k++) {
                if (stages & job_stage_bits[k])
                        json_array_append_new(arr,
                                              json_string(job_stage_names[k]));
        }
        json_object_set_new(root, "stages", arr);
        s = json_dumps(root, JSON_COMPACT);
        json_decref(root);
        /* A compact dump of an object fails only without memory, which
         * docpipe treats as fatal (see xmalloc). */
        if (!s) {
                fputs("docpipe: out of memory\n", stderr);
                abort();
        }
        return s;
}
