/*
 * Unit tests of worker/job.c: raw messages (header, sniffed, key checks,
 * caps), JSON envelopes (inline, uri schemes, defaults, every schema
 * error, nesting depth, the metadata cap, base64, stages), the dead-letter
 * description in doc->job_json, sniffing and job_envelope_new round trips.
 */
#include <check.h>
#include <glib.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../../worker/job.h"

#define DEFAULT_ID "docpipe.jobs-0-7"

static struct config cfg;

static void setup(void)
{
        memset(&cfg, 0, sizeof(cfg));
        cfg.max_bytes = 1 << 20;
        cfg.max_job_bytes = 2 << 20;
}

/* A document as the pipeline makes it: named by where it came from. */
static struct doc *new_doc(void)
{
        struct doc *doc = doc_new();

        doc->id = xstrdup(DEFAULT_ID);
        return doc;
}

static int parse(struct doc *doc, const char *payload, const char *key,
                 const char *ct, struct err *err)
{
        err_clear(err);
        return job_parse(doc, payload, payload ? strlen(payload) : 0, key,
                         key ? strlen(key) : 0, ct, &cfg, err);
}

/* Parses an envelope (with the envelope header) and expects ERR_INPUT with
 * part in the message; returns the document for more checks. */
static struct doc *envelope_fails(const char *json, const char *part)
{
        struct doc *doc = new_doc();
        struct err err;

        ck_assert_int_eq(parse(doc, json, NULL, JOB_ENVELOPE_TYPE, &err), -1);
        ck_assert_int_eq(err.cls, ERR_INPUT);
        ck_assert_msg(strstr(err.msg, part), "message '%s' lacks '%s'", err.msg,
                      part);
        ck_assert_ptr_null(doc->bytes);
        ck_assert_ptr_nonnull(doc->job_json);
        return doc;
}

static void envelope_fails_free(const char *json, const char *part)
{
        doc_free(envelope_fails(json, part));
}

/* Returns doc->job_json parsed (new reference). */
static json_t *job_json(const struct doc *doc)
{
        json_error_t jerr;
        json_t *j = json_loads(doc->job_json, 0, &jerr);

        ck_assert_msg(j != NULL, "job_json '%s': %s", doc->job_json, jerr.text);
        return j;
}

START_TEST(test_raw_header)
{
        static const char pdf[] = "%PDF-1.7\nnot really";
        struct doc *doc = new_doc();
        struct err err;
        json_t *j;

        ck_assert_int_eq(parse(doc, pdf, "inv-1", "Application/PDF; x=1", &err),
                         0);
        ck_assert_str_eq(doc->id, "inv-1");
        ck_assert_str_eq(doc->content_type, "application/pdf");
        ck_assert_str_eq(doc->source, "kafka");
        ck_assert_str_eq(doc->tenant, "default");
        ck_assert_uint_eq(doc->stages, STAGE_ALL);
        ck_assert_uint_eq(doc->len, sizeof(pdf) - 1);
        ck_assert_mem_eq(doc->bytes, pdf, doc->len);
        ck_assert_ptr_ne(doc->bytes, (void *)pdf);
        j = job_json(doc);
        ck_assert_str_eq(json_string_value(json_object_get(j, "id")), "inv-1");
        ck_assert_str_eq(json_string_value(json_object_get(j, "content_type")),
                         "application/pdf");
        ck_assert_int_eq(json_integer_value(json_object_get(j, "bytes")),
                         (json_int_t)(sizeof(pdf) - 1));
        ck_assert_str_eq(json_string_value(json_object_get(j, "source")),
                         "kafka");
        ck_assert_uint_eq(json_object_size(j), 4);
        json_decref(j);
        doc_free(doc);

        /* A header that is not the envelope type makes even '{' raw. */
        doc = new_doc();
        ck_assert_int_eq(
            parse(doc, "{\"a\":1}", "j-1", "application/json", &err), 0);
        ck_assert_str_eq(doc->content_type, "application/json");
        ck_assert_uint_eq(doc->len, 7);
        doc_free(doc);

        doc = new_doc();
        ck_assert_int_eq(parse(doc, "x", "j-1", "bad type\x01\xff", &err), -1);
        ck_assert_str_eq(err.msg, "invalid content-type header 'bad type?"
                                  "?'");
        doc_free(doc);
}
END_TEST

START_TEST(test_raw_sniffed)
{
        struct doc *doc = new_doc();
        struct err err;
        unsigned char *big;

        ck_assert_int_eq(parse(doc, "junk\n%PDF-1.4 ...", "a", NULL, &err), 0);
        ck_assert_str_eq(doc->content_type, "application/pdf");
        doc_free(doc);

        doc = new_doc();
        ck_assert_int_eq(parse(doc, "plain words, üñí", "b", "", &err), 0);
        ck_assert_str_eq(doc->content_type, "text/plain");
        doc_free(doc);

        doc = new_doc();
        err_clear(&err);
        ck_assert_int_eq(job_parse(doc, "GIF89a\0\0\0\0", 10, "c", 1,
                                   NULL, &cfg, &err),
                         -1);
        ck_assert_int_eq(err.cls, ERR_INPUT);
        ck_assert_str_eq(err.msg,
                         "unknown content type: not a PDF, image or text");
        ck_assert_str_eq(doc->id, "c");
        ck_assert_ptr_null(doc->bytes);
        ck_assert_ptr_nonnull(doc->job_json);
        doc_free(doc);

        /* "%PDF-" only counts within the first 1024 bytes. */
        big = xcalloc(1, 3000);
        memcpy(big + 2000, "%PDF-", 5);
        ck_assert_ptr_null(job_sniff(big, 3000));
        memcpy(big + 1000, "%PDF-", 5);
        ck_assert_str_eq(job_sniff(big, 3000), "application/pdf");
        free(big);

        /* Text is judged on its first 64 KB, even when they end inside a
         * character. */
        big = xmalloc(70000);
        memset(big, 'a', 70000);
        big[65535] = (unsigned char)'\xc3';
        big[65536] = (unsigned char)'\xa9';
        ck_assert_str_eq(job_sniff(big, 70000), "text/plain");
        big[65535] = (unsigned char)'\xff';
        ck_assert_ptr_null(job_sniff(big, 70000));
        free(big);
        ck_assert_ptr_null(job_sniff(NULL, 0));
        ck_assert_ptr_null(job_sniff((const unsigned char *)"a\xc0\xaf", 3));
}
END_TEST

START_TEST(test_raw_key)
{
        char long_key[202];
        struct doc *doc = new_doc();
        struct err err;

        ck_assert_int_eq(parse(doc, "text", NULL, "text/plain", &err), -1);
        ck_assert_int_eq(err.cls, ERR_INPUT);
        ck_assert_ptr_nonnull(strstr(err.msg, "message key"));
        ck_assert_str_eq(doc->id, DEFAULT_ID);
        ck_assert_ptr_null(doc->bytes);
        doc_free(doc);

        doc = new_doc();
        ck_assert_int_eq(parse(doc, "text", "bad\nkey", NULL, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.msg, "printable UTF-8"));
        ck_assert_str_eq(doc->id, DEFAULT_ID);
        doc_free(doc);

        memset(long_key, 'k', 201);
        long_key[201] = '\0';
        doc = new_doc();
        ck_assert_int_eq(parse(doc, "text", long_key, NULL, &err), -1);
        doc_free(doc);
        long_key[200] = '\0';
        doc = new_doc();
        ck_assert_int_eq(parse(doc, "text", long_key, NULL, &err), 0);
        ck_assert_uint_eq(strlen(doc->id), 200);
        doc_free(doc);

        doc = new_doc();
        ck_assert_int_eq(parse(doc, "text", "\xff\xfe", NULL, &err), -1);
        doc_free(doc);
        doc = new_doc();
        ck_assert_int_eq(parse(doc, "text", "rechnung-ä-1", NULL, &err), 0);
        ck_assert_str_eq(doc->id, "rechnung-ä-1");
        doc_free(doc);
}
END_TEST

START_TEST(test_raw_oversize)
{
        struct doc *doc = new_doc();
        struct err err;

        cfg.max_bytes = 4;
        ck_assert_int_eq(parse(doc, "12345", "big", "text/plain", &err), -1);
        ck_assert_int_eq(err.cls, ERR_INPUT);
        ck_assert_ptr_nonnull(strstr(err.msg, "limits.max_bytes"));
        ck_assert_str_eq(doc->id, "big");
        doc_free(doc);
}
END_TEST

START_TEST(test_empty)
{
        struct doc *doc = new_doc();
        struct err err;

        ck_assert_int_eq(parse(doc, NULL, "k", NULL, &err), -1);
        ck_assert_int_eq(err.cls, ERR_INPUT);
        ck_assert_str_eq(err.msg, "empty message");
        ck_assert_ptr_nonnull(doc->job_json);
        doc_free(doc);
        doc = new_doc();
        ck_assert_int_eq(parse(doc, "", "k", JOB_ENVELOPE_TYPE, &err), -1);
        ck_assert_str_eq(err.msg, "empty message");
        doc_free(doc);
}
END_TEST

START_TEST(test_envelope_inline)
{
        static const char json[] =
            "{\"id\":\"e-1\",\"tenant\":\"acme\","
            "\"source\":{\"inline\":\"aGVsbG8=\"},"
            "\"content_type\":\"Text/Plain; charset=utf-8\","
            "\"stages\":[\"classify\",\"summarize\"],"
            "\"metadata\":{\"k\":\"v\",\"n\":[1,2]}}";
        struct doc *doc = new_doc();
        struct err err;
        json_t *j, *src;

        ck_assert_int_eq(
            parse(doc, json, "ignored-key", JOB_ENVELOPE_TYPE, &err), 0);
        ck_assert_str_eq(doc->id, "e-1");
        ck_assert_str_eq(doc->tenant, "acme");
        ck_assert_str_eq(doc->source, "kafka");
        ck_assert_str_eq(doc->content_type, "text/plain");
        ck_assert_uint_eq(doc->len, 5);
        ck_assert_mem_eq(doc->bytes, "hello", 5);
        ck_assert_uint_eq(doc->stages, STAGE_CLASSIFY | STAGE_SUMMARIZE);
        ck_assert_ptr_nonnull(doc->metadata);
        ck_assert_str_eq(json_string_value(json_object_get(doc->metadata, "k")),
                         "v");

        /* The dead-letter copy has the size, not the document. */
        j = job_json(doc);
        src = json_object_get(j, "source");
        ck_assert_ptr_null(json_object_get(src, "inline"));
        ck_assert_int_eq(
            json_integer_value(json_object_get(src, "inline_bytes")), 5);
        ck_assert_str_eq(json_string_value(json_object_get(j, "tenant")),
                         "acme");
        json_decref(j);
        doc_free(doc);
}
END_TEST

START_TEST(test_envelope_defaults)
{
        /* No header: a leading '{' (after blanks) means an envelope. */
        static const char json[] =
            " \n\t{\"id\":\"e-2\",\"source\":{\"inline\":"
            "\"JVBERi0xLjQK\\nAAAA\"}}";
        struct doc *doc = new_doc();
        struct err err;

        ck_assert_int_eq(parse(doc, json, NULL, NULL, &err), 0);
        ck_assert_str_eq(doc->id, "e-2");
        ck_assert_str_eq(doc->tenant, "default");
        ck_assert_uint_eq(doc->stages, STAGE_ALL);
        ck_assert_ptr_null(doc->metadata);
        /* Sniffing is source_fetch's job. */
        ck_assert_ptr_null(doc->content_type);
        ck_assert_uint_eq(doc->len, 12);
        ck_assert_mem_eq(doc->bytes, "%PDF-1.4\n\0\0\0", 12);
        doc_free(doc);

        doc = new_doc();
        ck_assert_int_eq(parse(doc,
                               "{\"id\":\"e-3\",\"source\":{\"uri\":"
                               "\"file:///x.pdf\"},\"stages\":[]}",
                               NULL, NULL, &err),
                         0);
        ck_assert_uint_eq(doc->stages, 0);
        doc_free(doc);
}
END_TEST

START_TEST(test_envelope_uri)
{
        static const char *const ok[] = {"file:///data/a.pdf",
                                         "http://example.com/a.pdf",
                                         "HTTPS://example.com/a?sig=1"};
        struct doc *doc;
        struct err err;
        char json[256];

        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                snprintf(json, sizeof(json),
                         "{\"id\":\"u\",\"source\":{\"uri\":\"%s\"}}", ok[i]);
                doc = new_doc();
                ck_assert_int_eq(parse(doc, json, NULL, NULL, &err), 0);
                ck_assert_str_eq(doc->source, ok[i]);
                ck_assert_ptr_null(doc->bytes);
                doc_free(doc);
        }

        doc = envelope_fails("{\"id\":\"u\",\"source\":{\"uri\":"
                             "\"ftp://user:hunter2@host/a.pdf\"}}",
                             "unsupported uri scheme 'ftp'");
        ck_assert_str_eq(doc->id, "u");
        doc_free(doc);
        doc = envelope_fails("{\"id\":\"u\",\"source\":{\"uri\":"
                             "\"gopher://user:hunter2@host/a.pdf\"}}",
                             "unsupported uri scheme");
        ck_assert_ptr_null(strstr(doc->job_json, "inline"));
        doc_free(doc);
        envelope_fails_free("{\"id\":\"u\",\"source\":{\"uri\":\"/etc/x\"}}",
                            "unsupported uri scheme");
        envelope_fails_free("{\"id\":\"u\",\"source\":{\"uri\":\"\"}}",
                            "field 'source.uri' must be 1 to");
}
END_TEST

START_TEST(test_invalid_json)
{
        struct doc *doc = envelope_fails("{\"id\":\"x\",\n\"source\": }",
                                         "invalid job envelope: ");
        json_t *j;

        ck_assert_ptr_nonnull(strstr(doc->job_json, "\"bytes\""));
        j = job_json(doc);
        ck_assert_str_eq(json_string_value(json_object_get(j, "id")),
                         DEFAULT_ID);
        json_decref(j);
        doc_free(doc);

        envelope_fails_free("{\"id\":\"x\",\n\"source\": }",
                            "at line 2 column");
        envelope_fails_free("{\"id\":\"x\"} trailing", "invalid job envelope");
        envelope_fails_free("{\"id\":\"x\",\"id\":\"y\"}", "duplicate");
        envelope_fails_free("[1,2]", "not a JSON object");
        envelope_fails_free("{\"id\":\"\xff\xfe\"}", "invalid job envelope");
        envelope_fails_free("{\"id\":x\x01\x02}", "invalid job envelope");
        envelope_fails_free("{\"id\":\"a\\u0000b\",\"source\":{}}",
                            "invalid job envelope");
}
END_TEST

START_TEST(test_unknown_field)
{
        struct doc *doc =
            envelope_fails("{\"id\":\"e-9\",\"source\":{\"uri\":\"http://h/\"},"
                           "\"colour\":\"red\"}",
                           "unknown field 'colour'");

        /* The id is known even though the envelope is refused. */
        ck_assert_str_eq(doc->id, "e-9");
        ck_assert_ptr_nonnull(strstr(doc->job_json, "colour"));
        doc_free(doc);
        envelope_fails_free("{\"id\":\"e\",\"source\":{\"uri\":\"http://h/\","
                            "\"sha\":\"1\"}}",
                            "unknown field 'source.sha'");

        /* Names from the message are shown printable and cut short, at a
         * character boundary: the message goes to logs and PostgreSQL. */
        doc = envelope_fails("{\"id\":\"e\",\"source\":{\"uri\":\"h\"},"
                             "\"a\\u0001\\nb\":1}",
                             "unknown field 'a??b'");
        doc_free(doc);
        doc = envelope_fails(
            "{\"id\":\"e\",\"source\":{\"uri\":\"http://h/\"},"
            "\"ääääääääääääääääääääääääääääääääääääääääääääää\":1}",
            "unknown field 'ää");
        doc_free(doc);
}
END_TEST

START_TEST(test_wrong_type)
{
        struct doc *doc;

        doc = envelope_fails("{\"id\":7,\"source\":{}}",
                             "field 'id' must be a string");
        ck_assert_str_eq(doc->id, DEFAULT_ID);
        doc_free(doc);
        envelope_fails_free("{\"source\":{\"uri\":\"http://h/\"}}",
                            "field 'id' is required");
        envelope_fails_free("{\"id\":\"\",\"source\":{}}",
                            "field 'id' must be 1 to 200 bytes");
        envelope_fails_free("{\"id\":\"a\\nb\",\"source\":{}}",
                            "printable UTF-8");
        envelope_fails_free("{\"id\":\"e\"}", "field 'source' is required");
        envelope_fails_free("{\"id\":\"e\",\"source\":\"http://h/\"}",
                            "field 'source' must be an object");
        envelope_fails_free("{\"id\":\"e\",\"source\":{}}",
                            "exactly one of 'inline' or 'uri'");
        envelope_fails_free("{\"id\":\"e\",\"source\":{\"uri\":\"http://h/\","
                            "\"inline\":\"aGk=\"}}",
                            "exactly one of 'inline' or 'uri'");
        envelope_fails_free("{\"id\":\"e\",\"source\":{\"uri\":5}}",
                            "field 'source.uri' must be a string");
        envelope_fails_free("{\"id\":\"e\",\"source\":{\"inline\":[]}}",
                            "field 'source.inline' must be a string");
        envelope_fails_free("{\"id\":\"e\",\"tenant\":5,"
                            "\"source\":{\"uri\":\"http://h/\"}}",
                            "field 'tenant' must be a string");
        envelope_fails_free("{\"id\":\"e\",\"content_type\":true,"
                            "\"source\":{\"uri\":\"http://h/\"}}",
                            "field 'content_type' must be a string");
        envelope_fails_free("{\"id\":\"e\",\"content_type\":\"  \","
                            "\"source\":{\"uri\":\"http://h/\"}}",
                            "field 'content_type' is not a content type");
        envelope_fails_free("{\"id\":\"e\",\"stages\":\"classify\","
                            "\"source\":{\"uri\":\"http://h/\"}}",
                            "field 'stages' must be an array of strings");
        envelope_fails_free("{\"id\":\"e\",\"stages\":[1],"
                            "\"source\":{\"uri\":\"http://h/\"}}",
                            "field 'stages' must be an array of strings");
        envelope_fails_free("{\"id\":\"e\",\"metadata\":[],"
                            "\"source\":{\"uri\":\"http://h/\"}}",
                            "field 'metadata' must be an object");
}
END_TEST

/* Returns a new envelope whose metadata nests levels deep in total
 * (the envelope object is level 1). */
static char *nested(int levels)
{
        GString *s = g_string_new("{\"id\":\"deep\",\"source\":{\"uri\":"
                                  "\"http://h/\"},\"metadata\":{\"a\":");
        char *res;

        for (int i = 2; i < levels; i++)
                g_string_append_c(s, '[');
        for (int i = 2; i < levels; i++)
                g_string_append_c(s, ']');
        g_string_append(s, "}}");
        res = xstrdup(s->str);
        g_string_free(s, TRUE);
        return res;
}

START_TEST(test_deep_nesting)
{
        struct doc *doc = new_doc();
        struct err err;
        char *json = nested(32);

        ck_assert_int_eq(parse(doc, json, NULL, NULL, &err), 0);
        doc_free(doc);
        free(json);

        json = nested(33);
        doc = envelope_fails(json, "nested deeper than 32");
        free(json);
        doc_free(doc);

        /* A hostile message, far deeper than jansson's own limit. */
        json = xmalloc(200002);
        memset(json, '[', 100000);
        memset(json + 100000, ']', 100000);
        json[0] = '{';
        json[200000] = '\0';
        envelope_fails_free(json, "nested deeper than 32");
        free(json);

        /* Brackets inside strings are text, not nesting. */
        doc = new_doc();
        ck_assert_int_eq(
            parse(doc,
                  "{\"id\":\"s\",\"source\":{\"uri\":\"http://h/\"},"
                  "\"metadata\":{\"t\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                  "[[[[[[[[[[[[\\\"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\"}}",
                  NULL, NULL, &err),
            0);
        doc_free(doc);
}
END_TEST

START_TEST(test_bad_base64)
{
        static const char *const bad[] = {
            "aGVsbG8", "a===", "aGV$bG8=", "aG=sbG8=", "aGVs bG8="};
        struct doc *doc;
        struct err err;
        char json[256];

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                snprintf(json, sizeof(json),
                         "{\"id\":\"b\",\"source\":{\"inline\":\"%s\"}}",
                         bad[i]);
                doc = envelope_fails(json, "field 'source.inline' is not "
                                           "valid base64");
                ck_assert_str_eq(doc->id, "b");
                /* Dead letters carry a size, never the base64 text. */
                ck_assert_ptr_nonnull(strstr(doc->job_json, "inline_bytes"));
                doc_free(doc);
        }
        envelope_fails_free("{\"id\":\"b\",\"source\":{\"inline\":\"\"}}",
                            "field 'source.inline' is empty");

        /* Decoded size over the document cap. */
        cfg.max_bytes = 4;
        envelope_fails_free("{\"id\":\"b\",\"source\":{\"inline\":"
                            "\"aGVsbG8=\"}}",
                            "document is 5 bytes, over the cap of 4 "
                            "(limits.max_bytes)");
        cfg.max_bytes = 5;
        doc = new_doc();
        ck_assert_int_eq(parse(doc,
                               "{\"id\":\"b\",\"source\":{\"inline\":"
                               "\"aGVs\\r\\nbG8=\"}}",
                               NULL, NULL, &err),
                         0);
        ck_assert_mem_eq(doc->bytes, "hello", 5);
        doc_free(doc);
}
END_TEST

START_TEST(test_bad_stage)
{
        envelope_fails_free("{\"id\":\"s\",\"source\":{\"uri\":\"http://h/\"},"
                            "\"stages\":[\"classify\",\"ocr\"]}",
                            "unknown stage 'ocr'");
        envelope_fails_free("{\"id\":\"s\",\"source\":{\"uri\":\"http://h/\"},"
                            "\"stages\":[\"\\u0085x\"]}",
                            "unknown stage '?x'");
}
END_TEST

START_TEST(test_envelope_cap)
{
        cfg.max_job_bytes = 20;
        envelope_fails_free("{\"id\":\"s\",\"source\":{\"uri\":\"http://h/\"}}",
                            "limits.max_job_bytes");
}
END_TEST

/* Metadata is stored with the document: at most 64 KiB of compact JSON,
 * however the envelope spells it. */
START_TEST(test_metadata_cap)
{
        GString *s = g_string_new(NULL);
        struct doc *doc = new_doc();
        struct err err;
        /* {"m":"x...x"} is 65536 bytes compact: the largest allowed. */
        size_t fill = 65536 - strlen("{\"m\":\"\"}");

        g_string_append(s, "{\"id\":\"m\",\"source\":{\"uri\":\"http://h/\"},"
                           "\"metadata\": {  \"m\" :  \"");
        for (size_t i = 0; i < fill; i++)
                g_string_append_c(s, 'x');
        g_string_append(s, "\"  }}");
        ck_assert_int_eq(parse(doc, s->str, NULL, NULL, &err), 0);
        ck_assert_ptr_nonnull(doc->metadata);
        doc_free(doc);

        /* One byte more: the last 'x' as an escape, \n, two bytes. */
        g_string_truncate(s, s->len - strlen("x\"  }}"));
        g_string_append(s, "\\n\"}}");
        doc = envelope_fails(s->str, "field 'metadata' is 65537 bytes of "
                                     "JSON, over the cap of 65536");
        ck_assert_ptr_null(doc->metadata);
        ck_assert_str_eq(doc->id, "m");
        doc_free(doc);
        g_string_free(s, TRUE);
}
END_TEST

START_TEST(test_envelope_new)
{
        static const unsigned char pdf[] = "%PDF-1.4\n\x01\x02";
        struct doc *doc = new_doc();
        struct err err;
        char *s = job_envelope_new("n-1", "acme", pdf, sizeof(pdf) - 1, NULL,
                                   "application/pdf", STAGE_FIELDS);

        ck_assert_int_eq(parse(doc, s, NULL, JOB_ENVELOPE_TYPE, &err), 0);
        ck_assert_str_eq(doc->id, "n-1");
        ck_assert_str_eq(doc->tenant, "acme");
        ck_assert_str_eq(doc->content_type, "application/pdf");
        ck_assert_uint_eq(doc->stages, STAGE_FIELDS);
        ck_assert_uint_eq(doc->len, sizeof(pdf) - 1);
        ck_assert_mem_eq(doc->bytes, pdf, doc->len);
        ck_assert_ptr_null(strchr(s, '\n'));
        free(s);
        doc_free(doc);

        doc = new_doc();
        s = job_envelope_new("n-2", NULL, NULL, 0, "file:///srv/a.pdf", NULL,
                             STAGE_ALL);
        ck_assert_int_eq(parse(doc, s, NULL, NULL, &err), 0);
        ck_assert_str_eq(doc->source, "file:///srv/a.pdf");
        ck_assert_str_eq(doc->tenant, "default");
        ck_assert_ptr_null(doc->content_type);
        ck_assert_uint_eq(doc->stages, STAGE_ALL);
        free(s);
        doc_free(doc);
}
END_TEST

static void add(Suite *s, const char *name, const TTest *test)
{
        TCase *tc = tcase_create(name);

        tcase_add_checked_fixture(tc, setup, NULL);
        tcase_add_test(tc, test);
        suite_add_tcase(s, tc);
}

static Suite *job_suite(void)
{
        Suite *s = suite_create("job");

        add(s, "raw_header", test_raw_header);
        add(s, "raw_sniffed", test_raw_sniffed);
        add(s, "raw_key", test_raw_key);
        add(s, "raw_oversize", test_raw_oversize);
        add(s, "empty", test_empty);
        add(s, "envelope_inline", test_envelope_inline);
        add(s, "envelope_defaults", test_envelope_defaults);
        add(s, "envelope_uri", test_envelope_uri);
        add(s, "invalid_json", test_invalid_json);
        add(s, "unknown_field", test_unknown_field);
        add(s, "wrong_type", test_wrong_type);
        add(s, "deep_nesting", test_deep_nesting);
        add(s, "metadata_cap", test_metadata_cap);
        add(s, "bad_base64", test_bad_base64);
        add(s, "bad_stage", test_bad_stage);
        add(s, "envelope_cap", test_envelope_cap);
        add(s, "envelope_new", test_envelope_new);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(job_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
