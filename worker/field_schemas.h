/*
 * field_schemas: the JSON Schemas of schemas/fields, one per document class,
 * embedded at build time by schemas/embed-fields.sh, so that a worker finds
 * them wherever it runs. Owns nothing: static data.
 */
#ifndef DOCPIPE_FIELD_SCHEMAS_H
#define DOCPIPE_FIELD_SCHEMAS_H

struct field_schema {
        const char *cls;
        const char *json;
};

extern const struct field_schema field_schemas[];
extern const int field_schemas_n;

#endif
