/*
 * builtin: docpipe's in-process model (see builtin.h). Four honest,
 * explainable pieces instead of a trained network:
 *   - language: libexttextcat's n-gram profiles on a cleaned, bounded
 *     prefix of the text (the handle is not thread-safe: one mutex),
 *     checked against the function and business words of English,
 *     German, French, Dutch and Spanish, which also decide when textcat
 *     cannot (a receipt is too short for n-grams);
 *   - classify: weighted phrase evidence per class (EN/DE/FR/NL/ES), the
 *     look-alikes of "other" included (orders, delivery notes,
 *     quotations, letters), counted with diminishing returns, boosted in
 *     the title area, discounted in rows of figures (an item "Annual
 *     maintenance contract" says nothing about what the document is),
 *     turned into a tempered softmax confidence that is low when evidence
 *     is weak or two classes are close;
 *   - fields: label/value proximity on lines, in five languages, with
 *     parsers for amounts (1,234.56 / 1.234,56 / 1 234,56 / 1'234.56),
 *     dates (numeric and written: "12. März 2024", "12 mars 2024", "March
 *     12, 2024"), currencies (symbols and codes), invoice numbers and
 *     IBANs (mod-97 checked); the layouts that physical lines make of
 *     real documents are read too: a row of labels over a row of values,
 *     columns side by side (a value cut where the next column's label
 *     starts), a letterhead wrapped in a narrow column, the recipient
 *     under a letter's sender line; a value it is not sure of is left
 *     out;
 *   - summarize: a lead sentence built from class and fields in the
 *     document's language, then the most informative sentences of the
 *     text (prose: not rows of labels or figures, not letterheads) in
 *     document order.
 * All work on untrusted text is bounded (BUILTIN_*_BYTES below) and linear
 * in the bytes scanned. Owns the textcat handle, its mutex, the phrase
 * index and a copy of the taxonomy; everything else lives on the caller's
 * stack or is returned new.
 */
#include "builtin.h"

#include <errno.h>
#include <glib.h>
#include <libexttextcat/textcat.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../doc.h"

/* Caps on the work done per call, whatever the size of the text. */
/* clang-format off */
#define BUILTIN_HEAD_BYTES ((size_t)64 * 1024) /* classify, fields, summary */
#define BUILTIN_TAIL_BYTES ((size_t)8 * 1024)  /* classify also reads the end */
#define BUILTIN_TITLE_BYTES 1500        /* title area: evidence counts more */
#define BUILTIN_LANG_BYTES 2048         /* cleaned text given to textcat */
#define BUILTIN_LANG_SCAN ((size_t)16 * 1024) /* input read to collect it */
#define BUILTIN_LANG_MIN_LETTERS 20     /* below this: "und" */
#define BUILTIN_COUNT_CAP 32            /* occurrences counted per phrase */
#define BUILTIN_VALUE_MAX 100           /* bytes of a text field value */
#define BUILTIN_VALUE_REACH 256         /* a value this close to its label */
#define BUILTIN_SUMMARY_DEFAULT 600     /* when summary_max_chars <= 0 */
#define BUILTIN_SUMMARY_CAP ((size_t)64 * 1024) /* largest summary */
#define BUILTIN_SUMMARY_SENTENCES 6     /* extracted sentences at most */
#define BUILTIN_WORDS_MAX 8192          /* distinct words in tf table */
#define BUILTIN_PREAMBLE_BYTES 4096     /* a contract's parties and date */
#define BUILTIN_LAW_TAIL_BYTES ((size_t)16 * 1024) /* its last clauses */
#define BUILTIN_STATEMENT_BYTES ((size_t)8 * 1024) /* an income statement */
/* clang-format on */

/* Classification: the pseudo-score of "other" (the evidence a class needs
 * to beat "it is something else") and the evidence at which a class is
 * considered well supported (confidence factor 1 - e^-1). */
#define BUILTIN_OTHER_PRIOR 2.0
#define BUILTIN_EVIDENCE_SCALE 3.0
#define BUILTIN_TITLE_BONUS 1.0
#define BUILTIN_TITLE_WORDS 8   /* a line of the title area this short */
#define BUILTIN_ROW_WEIGHT 0.2  /* a phrase in a row of figures */
#define BUILTIN_TEMPERATURE 2.0 /* of the softmax: evidence points per e */

struct phrase_index;

struct builtin {
        pthread_mutex_t lock;    /* guards tc: textcat is not thread-safe */
        struct phrase_index *px; /* every class's phrases, indexed once */
        void *tc;                /* libexttextcat handle */
        char *classes[CONFIG_MAX_CLASSES];
        size_t classes_n;
        int other; /* index of "other" in classes, or -1 */
        size_t summary_max;
        char languages[512]; /* model.languages, "" for all */
};

/* ---- bytes and UTF-8 ------------------------------------------------- */

static int is_digit(unsigned char c)
{
        return c >= '0' && c <= '9';
}

static int is_alpha(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_upper(unsigned char c)
{
        return c >= 'A' && c <= 'Z';
}

/* Letters, digits, '_' and any non-ASCII byte (letters of other
 * scripts), as a bitmap: the word index reads every byte of a window
 * through it. */
static int is_wordc(unsigned char c)
{
        static const uint64_t bits[4] = {
                0x03FF000000000000ULL, /* '0'..'9' */
                0x07FFFFFE87FFFFFEULL, /* 'A'..'Z', '_', 'a'..'z' */
                ~0ULL, ~0ULL,          /* every byte >= 0x80 */
        };

        return (int)((bits[c >> 6] >> (c & 63)) & 1);
}

static int is_space(unsigned char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
               c == '\v';
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
        size_t len, i;
        uint32_t cp;

        if (n == 0)
                return 0;
        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xC2 && s[0] <= 0xDF)
                len = 2, cp = s[0] & 0x1F;
        else if (s[0] >= 0xE0 && s[0] <= 0xEF)
                len = 3, cp = s[0] & 0x0F;
        else if (s[0] >= 0xF0 && s[0] <= 0xF4)
                len = 4, cp = s[0] & 0x07;
        else
                return 0;
        if (len > n)
                return 0;
        for (i = 1; i < len; i++) {
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
        return len;
}

/* Is s[i..n) a valid 2-byte sequence (utf8_seq() == 2)? */
static int utf8_two(const unsigned char *s, size_t i, size_t n)
{
        return i + 1 < n && s[i] >= 0xC2 && s[i] <= 0xDF &&
               (s[i + 1] & 0xC0) == 0x80;
}

static int utf8_valid(const char *s, size_t n)
{
        size_t i = 0;

        while (i < n) {
                size_t k = utf8_seq((const unsigned char *)s + i, n - i);

                if (k == 0)
                        return 0;
                i += k;
        }
        return 1;
}

/* Largest m <= n such that s[0..m) does not end inside a sequence. */
static size_t utf8_cut(const char *s, size_t n, size_t len)
{
        const unsigned char *u = (const unsigned char *)s;

        if (n >= len)
                return len;
        while (n > 0 && (u[n] & 0xC0) == 0x80)
                n--;
        return n;
}

/* Folds eight ASCII bytes at once, as fold() does one: capitals to lower
 * case, NUL to space. For a byte b < 0x80, b + k stays below 0x100 (no
 * carry into the next byte) and has bit 7 set exactly when b >= 0x80 - k,
 * so each sum below marks, in bit 7 of every byte, one side of a range.
 * Setting bit 5 (0x20) turns 'A'..'Z' into 'a'..'z' and NUL into ' '. */
static uint64_t fold8(uint64_t x)
{
        const uint64_t b7 = 0x8080808080808080ULL;
        uint64_t ge_a = x + 0x3F3F3F3F3F3F3F3FULL;    /* b >= 'A' (0x41) */
        uint64_t gt_z = x + 0x2525252525252525ULL;    /* b > 'Z' (0x5A) */
        uint64_t nonzero = x + 0x7F7F7F7F7F7F7F7FULL; /* b >= 1 */
        uint64_t mark = ((ge_a & ~gt_z) | ~nonzero) & b7;

        return x | (mark >> 2);
}

/* Folds src into dst (same length, so offsets match): ASCII and Latin-1
 * capitals to lower case, NUL to space, and no-break / narrow spaces
 * (U+00A0, U+202F, U+2009) to plain spaces. Every pass reads the text
 * through this: runs of ASCII go eight bytes at a time. */
static void fold(const char *src, size_t n, char *dst)
{
        const unsigned char *s = (const unsigned char *)src;
        size_t i;
        uint64_t x;

        for (i = 0; i < n; i++) {
                unsigned char c = s[i];

                if (i + 8 <= n) {
                        memcpy(&x, s + i, 8);
                        if ((x & 0x8080808080808080ULL) == 0) {
                                x = fold8(x);
                                memcpy(dst + i, &x, 8);
                                i += 7;
                                continue;
                        }
                }
                if (c < 0x80) {
                        dst[i] = (char)(is_upper(c) ? c + 32 : c ? c : ' ');
                } else if (c == 0xC3 && i + 1 < n && s[i + 1] >= 0x80 &&
                           s[i + 1] <= 0x9E && s[i + 1] != 0x97) {
                        dst[i] = (char)c;
                        dst[i + 1] = (char)(s[i + 1] + 0x20);
                        i++;
                } else if (c == 0xC2 && i + 1 < n && s[i + 1] == 0xA0) {
                        dst[i] = dst[i + 1] = ' ';
                        i++;
                } else if (c == 0xE2 && i + 2 < n && s[i + 1] == 0x80 &&
                           (s[i + 2] == 0xAF || s[i + 2] == 0x89)) {
                        dst[i] = dst[i + 1] = dst[i + 2] = ' ';
                        i += 2;
                } else {
                        dst[i] = (char)c;
                }
        }
}

/* If pat (folded; ' ' stands for any run of white space) matches f at i,
 * returns the end of the match, else 0. */
static size_t match_at(const char *f, size_t n, size_t i, const char *pat)
{
        const unsigned char *p = (const unsigned char *)pat;

        while (*p) {
                if (*p == ' ') {
                        if (i >= n || !is_space((unsigned char)f[i]))
                                return 0;
                        while (i < n && is_space((unsigned char)f[i]))
                                i++;
                } else {
                        if (i >= n || (unsigned char)f[i] != *p)
                                return 0;
                        i++;
                }
                p++;
        }
        return i;
}

/* If pat (folded, non-empty) occurs at f[i] as a whole word (or as the
 * start of a word when prefix is set), returns the end of the match, else
 * 0. Word boundaries apply only where pat begins or ends with a word
 * character. */
static size_t word_at(const char *f, size_t n, size_t i, const char *pat,
                      int prefix)
{
        unsigned char c0 = (unsigned char)pat[0];
        size_t e;

        if (i >= n || (unsigned char)f[i] != c0)
                return 0;
        if (is_wordc(c0) && i > 0 && is_wordc((unsigned char)f[i - 1]))
                return 0;
        e = match_at(f, n, i, pat);
        if (!e)
                return 0;
        if (prefix || e >= n || !is_wordc((unsigned char)f[e]) ||
            !is_wordc((unsigned char)pat[strlen(pat) - 1]))
                return e;
        return 0;
}

/* A quick look before word_at, for scans that try many places: may pat
 * (which starts with f[i]) start at i? Not inside a word, and its second
 * byte must be there (unless it stands for white space). */
static inline int may_start(const char *f, size_t n, size_t i, const char *pat)
{
        unsigned char c1 = (unsigned char)pat[1];

        if (i > 0 && is_wordc((unsigned char)pat[0]) &&
            is_wordc((unsigned char)f[i - 1]))
                return 0;
        return c1 == '\0' || c1 == ' ' || (i + 1 < n && f[i + 1] == pat[1]);
}

/* Finds pat in f[from..n) as a whole word (or as the start of a word when
 * prefix is set; see word_at). Returns 1 with *at and *end set, or 0. */
static int find_word(const char *f, size_t n, size_t from, const char *pat,
                     int prefix, size_t *at, size_t *end)
{
        unsigned char c0 = (unsigned char)pat[0];
        size_t i = from, head = strcspn(pat, " ");

        if (c0 == 0)
                return 0;
        while (i < n) {
                /* A match starts with pat's bytes up to its first space
                 * (which stands for any white space): memmem finds them
                 * faster than memchr finds a common first letter. */
                const char *q = head > 1 ? memmem(f + i, n - i, pat, head)
                                         : memchr(f + i, c0, n - i);
                size_t e;

                if (!q)
                        return 0;
                i = (size_t)(q - f);
                e = may_start(f, n, i, pat) ? word_at(f, n, i, pat, prefix) : 0;
                if (e) {
                        *at = i;
                        *end = e;
                        return 1;
                }
                i++;
        }
        return 0;
}

/* Is the folded word f[i..e) one of list (NULL-terminated)? The first
 * byte is compared before anything else: these lists are read for most
 * words of a text. */
static int word_in(const char *f, size_t i, size_t e, const char *const *list)
{
        size_t l = e - i;

        for (; list && *list; list++)
                if ((l == 0 || (*list)[0] == f[i]) && strlen(*list) == l &&
                    memcmp(f + i, *list, l) == 0)
                        return 1;
        return 0;
}

/* ---- language -------------------------------------------------------- */

/* Is the profile id ("en--utf8", "zh-CN-utf8") one of the codes in
 * list ("en de zh", commas allowed)? */
static int lang_wanted(const char *id, const char *list)
{
        size_t n = strcspn(id, "-");
        const char *p = list;

        while (*p) {
                size_t k;

                p += strspn(p, " ,\t");
                k = strcspn(p, " ,\t");
                if (k == n && memcmp(p, id, n) == 0)
                        return 1;
                p += k;
        }
        return 0;
}

/* Loads the textcat profiles of conf (prefix: their directory) whose code
 * is in langs (model.languages; "all" or empty: every one). textcat reads
 * a list file, so the chosen lines of conf go to a private temporary file
 * first. Every profile costs time on every call: the default list is a
 * third of Debian's 180. Returns the handle; NULL with err set when langs
 * names a code conf has no profile for; NULL with err clear when textcat
 * cannot load. */
static void *lang_init(const char *conf, const char *prefix, const char *langs,
                       struct err *err)
{
        char line[1024], id[64], path[] = "/tmp/docpipe-textcat.XXXXXX";
        const char *p;
        FILE *in, *out;
        void *tc;
        int fd;

        err_clear(err);
        if (!langs || !langs[0] || strcmp(langs, "all") == 0)
                return special_textcat_Init(conf, prefix);
        /* Every code asked for must have a profile: a typo would
         * otherwise quietly make a language undetectable. */
        for (p = langs + strspn(langs, " ,\t"); *p; p += strspn(p, " ,\t")) {
                size_t k = strcspn(p, " ,\t");
                int found = 0;

                in = fopen(conf, "r");
                while (in && !found && fgets(line, sizeof(line), in))
                        found = line[0] != '#' &&
                                sscanf(line, "%*s %63s", id) == 1 &&
                                strcspn(id, "-") == k && memcmp(id, p, k) == 0;
                if (in)
                        fclose(in);
                if (!found) {
                        err_set(err, ERR_FATAL,
                                "builtin: model.languages: no profile for "
                                "'%.*s' in %s",
                                (int)(k > 32 ? 32 : k), p, conf);
                        return NULL;
                }
                p += k;
        }
        in = fopen(conf, "r");
        if (!in)
                return NULL;
        fd = mkstemp(path);
        out = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!out) {
                if (fd >= 0)
                        close(fd);
                fclose(in);
                err_set(err, ERR_FATAL, "builtin: temporary file: %s",
                        strerror(errno));
                return NULL;
        }
        unlink(path); /* gone once closed, whatever happens */
        while (fgets(line, sizeof(line), in))
                if (line[0] != '#' && sscanf(line, "%*s %63s", id) == 1 &&
                    lang_wanted(id, langs))
                        fputs(line, out);
        fclose(in);
        fflush(out);
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fileno(out));
        tc = special_textcat_Init(path, prefix);
        fclose(out);
        return tc;
}

static struct phrase_index *phrase_index_new(void);

struct builtin *builtin_new(const struct config *cfg, struct err *err)
{
        char conf[4096], prefix[4096];
        const char *dir = "/usr/share/libexttextcat";
        struct builtin *b;
        size_t i, dl;
        int r;

        if (!cfg) {
                err_set(err, ERR_FATAL, "builtin: no configuration");
                return NULL;
        }
        if (cfg->classes_n == 0 || cfg->classes_n > CONFIG_MAX_CLASSES) {
                err_set(err, ERR_FATAL,
                        "builtin: model.classes must name 1 to %d classes",
                        CONFIG_MAX_CLASSES);
                return NULL;
        }
        for (i = 0; i < cfg->classes_n; i++) {
                if (!cfg->classes[i] || !cfg->classes[i][0]) {
                        err_set(err, ERR_FATAL,
                                "builtin: model.classes[%zu] is empty", i);
                        return NULL;
                }
        }
        if (cfg->lang_dir && cfg->lang_dir[0])
                dir = cfg->lang_dir;
        dl = strlen(dir);
        while (dl > 1 && dir[dl - 1] == '/')
                dl--;
        r = snprintf(conf, sizeof(conf), "%.*s/fpdb.conf", (int)dl, dir);
        if (r < 0 || (size_t)r >= sizeof(conf) ||
            snprintf(prefix, sizeof(prefix), "%.*s/", (int)dl, dir) < 0) {
                err_set(err, ERR_FATAL,
                        "builtin: model.language_data path too long");
                return NULL;
        }

        if (access(conf, R_OK) != 0) {
                err_set(err, ERR_FATAL,
                        "builtin: cannot read %s (model.language_data): %s",
                        conf, strerror(errno));
                return NULL;
        }
        b = xcalloc(1, sizeof(*b));
        b->tc = lang_init(conf, prefix, cfg->languages, err);
        if (!b->tc && err->cls != ERR_OK) {
                free(b);
                return NULL;
        }
        if (!b->tc) {
                err_set(err, ERR_FATAL,
                        "builtin: cannot load language profiles from %s "
                        "(model.language_data)",
                        conf);
                free(b);
                return NULL;
        }
        pthread_mutex_init(&b->lock, NULL);
        b->px = phrase_index_new();
        b->other = -1;
        for (i = 0; i < cfg->classes_n; i++) {
                b->classes[i] = xstrdup(cfg->classes[i]);
                if (b->other < 0 && strcmp(b->classes[i], "other") == 0)
                        b->other = (int)i;
        }
        b->classes_n = cfg->classes_n;
        snprintf(b->languages, sizeof(b->languages), "%s",
                 cfg->languages ? cfg->languages : "");
        b->summary_max = cfg->summary_max_chars > 0
                                 ? (size_t)cfg->summary_max_chars
                                 : BUILTIN_SUMMARY_DEFAULT;
        if (b->summary_max > BUILTIN_SUMMARY_CAP)
                b->summary_max = BUILTIN_SUMMARY_CAP;
        return b;
}

void builtin_free(struct builtin *b)
{
        size_t i;

        if (!b)
                return;
        textcat_Done(b->tc);
        free(b->px);
        pthread_mutex_destroy(&b->lock);
        for (i = 0; i < b->classes_n; i++)
                free(b->classes[i]);
        free(b);
}

/* Appends the letters of s[0..len) to out[*o..cap) (valid UTF-8): digits,
 * punctuation, control bytes and invalid sequences become single spaces,
 * so that tables of numbers do not drown the words. Returns the letters
 * copied. */
static size_t lang_copy(const unsigned char *s, size_t len, char *out,
                        size_t *used, size_t cap)
{
        size_t i = 0, letters = 0, o = *used;

        while (i < len && o < cap) {
                size_t k = utf8_seq(s + i, len - i);

                if ((k == 1 && !is_alpha(s[i])) || (k == 2 && s[i] == 0xC2))
                        k = 0; /* not a letter: a gap */
                if (k == 0) {
                        if (o > 0 && out[o - 1] != ' ')
                                out[o++] = ' ';
                        i++;
                        continue;
                }
                if (o + k > cap)
                        break;
                memcpy(out + o, s + i, k);
                o += k;
                i += k;
                letters++;
        }
        if (o < cap && o > 0 && out[o - 1] != ' ')
                out[o++] = ' ';
        *used = o;
        return letters;
}

/* A line of prose: four words or more, mostly letters. */
static int lang_prose(const unsigned char *s, size_t n)
{
        size_t i, words = 0, letters = 0, ink = 0;

        for (i = 0; i < n; i++) {
                if (is_space(s[i]))
                        continue;
                ink++;
                if (is_alpha(s[i]) || s[i] >= 0x80) {
                        letters++;
                        if (i == 0 || !(is_alpha(s[i - 1]) || s[i - 1] >= 0x80))
                                words++;
                }
        }
        return words >= 4 && letters * 10 >= ink * 7;
}

/* What textcat reads: the prose lines of the first BUILTIN_LANG_SCAN
 * bytes (labels, names and product lines of an invoice say little about
 * its language), or all of it when there is too little prose; in lower
 * case, which spares capitalised labels and shouting receipts from being
 * read as rare languages. */
static size_t lang_clean(const char *text, size_t len, char *out, size_t cap,
                         size_t *letters)
{
        const unsigned char *s = (const unsigned char *)text;
        size_t i = 0, e, o = 0;

        if (len > BUILTIN_LANG_SCAN)
                len = BUILTIN_LANG_SCAN;
        *letters = 0;
        while (i < len && o < cap) {
                for (e = i; e < len && s[e] != '\n' && s[e] != '\f'; e++)
                        ;
                if (lang_prose(s + i, e - i))
                        *letters += lang_copy(s + i, e - i, out, &o, cap);
                i = e + 1;
        }
        if (*letters < 50) {
                o = 0;
                *letters = lang_copy(s, len, out, &o, cap);
        }
        fold(out, o, out);
        return o;
}

/* When textcat cannot tell (short text: a receipt, a form), the words
 * themselves: function words and the commonest words of business
 * documents, per language, that the others do not use. */
/* clang-format off */
static const struct {
        const char *code;
        const char *const words[40];
} lang_words[] = {
        {"en", {"the", "and", "of", "to", "for", "with", "your", "you",
                "thank", "amount", "payment", "this", "from", "items",
                "sold", "approved", "copy", "balance", "statement",
                "description", "qty", "invoice", "receipt", "quantity",
                "price", "unit", "quotation", "order", "delivery", "note",
                "dear", "regards", "subject", NULL}},
        {"de", {"der", "die", "das", "und", "mit", "für", "von", "ist",
                "ihre", "ihren", "wir", "summe", "rechnung", "betrag",
                "datum", "vielen", "dank", "zahlung", "bei", "auf", "kasse",
                "einkauf", "kontoauszug", "bezeichnung", "menge",
                "einzelpreis", "gesamtsumme", "angebot", "bestellung",
                "lieferschein", "stück", "stunden", "betreff", "je", NULL}},
        {"fr", {"le", "les", "des", "et", "pour", "avec", "une", "vous",
                "votre", "nous", "facture", "montant", "merci", "au", "du",
                "sur", "par", "caisse", "ticket", "relevé", "solde",
                "articles", "visite", "désignation", "quantité", "qté",
                "prix", "unitaire", "devis", "commande", "livraison",
                "objet", NULL}},
        {"nl", {"het", "een", "en", "van", "voor", "met", "uw", "wij",
                "niet", "totaal", "factuur", "bedrag", "datum", "bedankt",
                "betaling", "bij", "aan", "kassa", "aankoop", "artikelen",
                "saldo", "afschrift", "rekening", "omschrijving", "aantal",
                "prijs", "offerte", "bestelling", "pakbon", "betreft",
                "uren", NULL}},
        {"es", {"el", "los", "las", "y", "para", "con", "una", "su",
                "nuestro", "factura", "importe", "gracias", "fecha", "por",
                "del", "al", "caja", "compra", "artículos", "extracto",
                "cuenta", "descripción", "cantidad", "cant", "precio",
                "presupuesto", "pedido", "albarán", "asunto", "horas",
                NULL}},
};
/* clang-format on */

/* Words of one language of lang_words that settle the question without
 * textcat (with four times those of any other): a fifth of the builtin's
 * instructions are textcat's n-grams, and for a page of ordinary business
 * prose in these five languages they only confirm the words. */
#define LANG_SURE_WORDS 12

/* The language of lang_words most of the words of f[0..n) (folded) are
 * from, if it leads clearly (twice the next, three words at least); else
 * "und". *sure: it leads by far (LANG_SURE_WORDS words at least, four
 * times the next). */
static void lang_vote(const char *f, size_t n, char out[8], int *sure)
{
        size_t i = 0, e, k, best = 0, second = 0;
        int score[G_N_ELEMENTS(lang_words)] = {0}, w;

        snprintf(out, 8, "und");
        while (i < n) {
                if (!(is_alpha((unsigned char)f[i]) ||
                      (unsigned char)f[i] >= 0x80)) {
                        i++;
                        continue;
                }
                for (e = i; e < n && (is_alpha((unsigned char)f[e]) ||
                                      (unsigned char)f[e] >= 0x80);)
                        e++;
                for (k = 0; e - i <= 12 && k < G_N_ELEMENTS(lang_words); k++)
                        for (w = 0; lang_words[k].words[w]; w++)
                                if (lang_words[k].words[w][0] == f[i] &&
                                    strncmp(f + i, lang_words[k].words[w],
                                            e - i) == 0 &&
                                    lang_words[k].words[w][e - i] == '\0')
                                        score[k]++;
                i = e;
        }
        for (k = 1; k < G_N_ELEMENTS(lang_words); k++)
                if (score[k] > score[best])
                        best = k;
        for (k = 0; k < G_N_ELEMENTS(lang_words); k++)
                if (k != best && score[k] > score[second == best ? k : second])
                        second = k;
        if (second == best)
                second = best == 0 ? 1 : 0;
        if (score[best] >= 3 && score[best] >= 2 * score[second])
                snprintf(out, 8, "%s", lang_words[best].code);
        *sure = score[best] >= LANG_SURE_WORDS &&
                score[best] >= 4 * score[second];
}

/* May b answer code (model.languages)? */
static int lang_loaded(const struct builtin *b, const char *code)
{
        return !b->languages[0] || strcmp(b->languages, "all") == 0 ||
               lang_wanted(code, b->languages);
}

/* Languages preferred among near-ties (see builtin_language). */
#define LANG_COMMON "en de fr nl es it pt pl sv da"

/* Three-letter codes of textcat's profiles that have an ISO 639-1 code. */
static const char *const lang_map[][2] = {
        {"gug", "gn"}, {"quz", "qu"}, {"plt", "mg"}, {"ckb", "ku"}};

void builtin_language(struct builtin *b, const char *text, size_t len,
                      char out[8])
{
        char res[256], code[8], vote[8];
        const char *r, *p;
        char *buf;
        size_t n, letters, cands = 0, k, i;
        int pass, sure;

        snprintf(out, 8, "und");
        if (!b || !text || len == 0)
                return;
        buf = xmalloc(BUILTIN_LANG_BYTES + 1);
        n = lang_clean(text, len, buf, BUILTIN_LANG_BYTES, &letters);
        buf[n] = '\0';
        if (letters < BUILTIN_LANG_MIN_LETTERS) {
                free(buf);
                return;
        }
        lang_vote(buf, n, vote, &sure);
        if (sure && lang_loaded(b, vote)) {
                snprintf(out, 8, "%s", vote);
                free(buf);
                return;
        }
        pthread_mutex_lock(&b->lock);
        r = textcat_Classify(b->tc, buf, n);
        snprintf(res, sizeof(res), "%s", r ? r : "");
        pthread_mutex_unlock(&b->lock);

        /* "[en--utf8][sco--utf8]": near-ties, best first. More than three
         * means textcat cannot tell. Among near-ties the languages docpipe
         * mostly reads go first (Scots and Catalan are the usual false
         * friends of short English), then any with an ISO 639-1 code. */
        for (p = strchr(res, '['); p; p = strchr(p + 1, '['))
                cands++;
        free(buf);
        if (cands == 0 || cands > 3) {
                /* textcat cannot tell: the words may. */
                if (strcmp(vote, "und") != 0 && lang_loaded(b, vote))
                        snprintf(out, 8, "%s", vote);
                return;
        }
        /* Names of people and shops lead n-grams astray ("Boulangerie
         * Moreau" in an English statement): when the words clearly say
         * one of textcat's candidates, that one. */
        if (strcmp(vote, "und") != 0 && lang_loaded(b, vote)) {
                for (p = strchr(res, '['); p; p = strchr(p + 1, '['))
                        if (strncmp(p + 1, vote, 2) == 0 && p[3] == '-') {
                                snprintf(out, 8, "%s", vote);
                                return;
                        }
        }
        for (pass = 0; pass < 2; pass++) {
                for (p = strchr(res, '['); p; p = strchr(p + 1, '[')) {
                        k = strcspn(p + 1, "-]");
                        code[0] = '\0';
                        if (k == 2 && is_alpha((unsigned char)p[1]) &&
                            is_alpha((unsigned char)p[2]))
                                snprintf(code, sizeof(code), "%c%c",
                                         p[1] | 0x20, p[2] | 0x20);
                        for (i = 0; k == 3 && i < G_N_ELEMENTS(lang_map); i++)
                                if (strncmp(p + 1, lang_map[i][0], 3) == 0)
                                        snprintf(code, sizeof(code), "%s",
                                                 lang_map[i][1]);
                        if (code[0] &&
                            (pass == 1 || strstr(LANG_COMMON, code))) {
                                snprintf(out, 8, "%s", code);
                                return;
                        }
                }
        }
}

/* ---- classify -------------------------------------------------------- */

/* A phrase of evidence for a class, folded to lower case; ' ' matches any
 * white space. Weights: 3 names the class, 2 is typical of it, 1 or less
 * is shared with neighbours. prefix: also matches at the start of a longer
 * word (German compounds, plurals). */
struct phrase {
        const char *pat;
        double w;
        int prefix;
};

/* clang-format off */
static const struct phrase ph_invoice[] = {
        {"invoice", 3, 1}, {"invoice number", 2, 0}, {"invoice no", 2, 0},
        {"invoice #", 2, 0}, {"invoice date", 2, 0}, {"tax invoice", 1, 0},
        {"amount due", 2, 0}, {"balance due", 2, 0}, {"bill to", 2, 0},
        {"billed to", 2, 0}, {"payment terms", 1.5, 0}, {"due date", 1, 0},
        {"vat", 1, 0}, {"subtotal", 1, 0}, {"rechnung", 3, 1},
        {"rechnungsnummer", 2, 0}, {"rechnungsdatum", 2, 0},
        {"zahlbar", 1, 1}, {"mwst", 1, 1}, {"ust-id", 1, 1},
        {"zwischensumme", 1, 0}, {"facture", 3, 1}, {"n° de facture", 2, 0},
        {"total ttc", 1.5, 0}, {"total ht", 1.5, 0}, {"tva", 1, 0},
        {"factuur", 3, 1}, {"factuurnummer", 2, 0}, {"factuurdatum", 2, 0},
        {"te betalen", 1, 0}, {"btw", 1, 0}, {"factura", 3, 1},
        {"iva", 1, 0}, {"base imponible", 1.5, 0}, {"vencimiento", 1, 0},
        {NULL, 0, 0},
};
/* clang-format on */

/* clang-format off */
static const struct phrase ph_receipt[] = {
        {"receipt", 3, 1}, {"sales receipt", 2, 0}, {"cashier", 2, 0},
        {"change", 0.5, 0}, {"cash", 0.5, 0}, {"tendered", 2, 0},
        {"thank you for shopping", 3, 0}, {"thank you for your purchase", 2, 0},
        {"card ****", 2, 0}, {"store #", 1.5, 0}, {"auth code", 1.5, 0},
        {"cardholder copy", 2, 0}, {"items sold", 2, 0},
        {"contactless", 1.5, 0}, {"kassenbon", 3, 0}, {"kassenbeleg", 3, 0},
        {"quittung", 2, 1}, {"kundenbeleg", 2, 0}, {"kasse", 1, 0},
        {"kassierer", 2, 0}, {"kontaktlos", 1.5, 0},
        {"anzahl artikel", 2, 0}, {"vielen dank für ihren einkauf", 3, 0},
        {"ticket de caisse", 3, 0}, {"ticket client", 2, 0},
        {"caisse", 1, 0}, {"sans contact", 1.5, 0},
        {"nombre d'articles", 2, 0}, {"merci de votre visite", 2, 0},
        {"reçu", 2, 0}, {"kassabon", 3, 0}, {"klantbon", 2, 0},
        {"kassa", 1, 0}, {"contactloos", 1.5, 0},
        {"aantal artikelen", 2, 0}, {"bedankt voor uw aankoop", 3, 0},
        {"ticket de compra", 3, 0}, {"copia cliente", 2, 0},
        {"caja", 1, 0}, {"sin contacto", 1.5, 0}, {"cajero", 2, 0},
        {"gracias por su compra", 3, 0}, {"recibo", 2, 0},
        {"ticket", 1, 0}, {"payment receipt", 2, 0}, {NULL, 0, 0},
};
/* clang-format on */

/* clang-format off */
static const struct phrase ph_bank[] = {
        {"statement", 1.5, 0}, {"bank statement", 3, 0},
        {"account statement", 3, 0}, {"statement of account", 3, 0},
        {"statement period", 3, 0}, {"opening balance", 3, 0},
        {"closing balance", 3, 0}, {"previous balance", 2, 0},
        {"new balance", 2, 0}, {"balance brought forward", 2, 0},
        {"withdrawals", 1.5, 0}, {"deposits", 1, 0}, {"iban", 1.5, 0},
        {"kontoauszug", 3, 1}, {"alter kontostand", 3, 0},
        {"neuer kontostand", 3, 0}, {"kontostand", 1.5, 0},
        {"kontoinhaber", 1.5, 0}, {"relevé de compte", 3, 0},
        {"relevé bancaire", 3, 0}, {"ancien solde", 3, 0},
        {"nouveau solde", 3, 0}, {"solde", 1, 0},
        {"titulaire du compte", 1.5, 0}, {"rekeningafschrift", 3, 1},
        {"beginsaldo", 3, 0}, {"eindsaldo", 3, 0}, {"saldo", 1, 0},
        {"rekeninghouder", 1.5, 0}, {"extracto", 2, 1},
        {"saldo anterior", 2, 0}, {"saldo final", 2, 0}, {NULL, 0, 0},
};
/* clang-format on */

/* clang-format off */
static const struct phrase ph_annual[] = {
        {"annual report", 3, 0}, {"letter to shareholders", 3, 0},
        {"letter to our shareholders", 3, 0}, {"dear shareholders", 2, 0},
        {"consolidated balance sheet", 2, 1},
        {"consolidated financial statements", 1.5, 0},
        {"for the year ended", 2, 0}, {"fiscal year", 1.5, 0},
        {"financial year", 1.5, 0}, {"independent auditor", 1.5, 0},
        {"annual general meeting", 1.5, 0}, {"form 10-k", 3, 0},
        {"geschäftsbericht", 3, 0}, {"jahresabschluss", 2, 0},
        {"lagebericht", 2, 0}, {"konzernbilanz", 1.5, 0},
        {"brief an die aktionäre", 3, 0}, {"rapport annuel", 3, 0},
        {"lettre aux actionnaires", 3, 0}, {"bilan consolidé", 1.5, 0},
        {"exercice clos", 1.5, 0}, {"jaarverslag", 3, 0},
        {"jaarrekening", 2, 0}, {"bestuursverslag", 2, 0},
        {"brief aan de aandeelhouders", 3, 0},
        {"geconsolideerde balans", 1.5, 0}, {"informe anual", 3, 0},
        {"carta a los accionistas", 3, 0}, {"informe de gestión", 1.5, 0},
        {"balance consolidado", 1.5, 0}, {NULL, 0, 0},
};
/* clang-format on */

/* clang-format off */
static const struct phrase ph_financial[] = {
        {"quarterly report", 3, 0}, {"form 10-q", 3, 0},
        {"earnings release", 3, 0}, {"interim report", 3, 0},
        {"three months ended", 3, 0}, {"six months ended", 2, 0},
        {"nine months ended", 2, 0}, {"first quarter", 2, 0},
        {"second quarter", 2, 0}, {"third quarter", 2, 0},
        {"fourth quarter", 1.5, 0}, {"quarter ended", 2, 0},
        {"quarter", 1, 0}, {"quarterly", 1, 0},
        {"half-year report", 3, 0}, {"quartalsbericht", 3, 0},
        {"zwischenbericht", 3, 0}, {"halbjahresbericht", 3, 0},
        {"quartal", 1, 1}, {"vorjahresquartal", 2, 0},
        {"rapport trimestriel", 3, 0}, {"rapport semestriel", 3, 0},
        {"trimestre clos", 2, 0}, {"trimestre", 1, 1},
        {"kwartaalbericht", 3, 0}, {"halfjaarbericht", 3, 0},
        {"kwartaal", 1, 1}, {"informe trimestral", 3, 0},
        {"trimestre terminado", 2, 0}, {NULL, 0, 0},
};
/* clang-format on */

/* clang-format off */
static const struct phrase ph_contract[] = {
        {"agreement", 2, 1}, {"hereinafter", 3, 0}, {"governing law", 3, 0},
        {"whereas", 2.5, 0}, {"in witness whereof", 3, 0},
        {"term and termination", 3, 0}, {"by and between", 3, 0},
        {"the parties", 2, 0}, {"termination", 1, 0},
        {"effective date", 1.5, 0}, {"confidentiality", 1, 0},
        {"indemnif", 1.5, 1}, {"vertrag", 3, 1}, {"vereinbarung", 2, 1},
        {"nachfolgend", 2, 0}, {"gerichtsstand", 2, 0},
        {"die parteien", 2, 0}, {"präambel", 2, 0},
        {"anwendbares recht", 2, 0}, {"contrat", 3, 0}, {"contrats", 3, 0},
        {"ci-après", 2, 0}, {"entre les soussignés", 3, 0},
        {"les parties", 2, 0}, {"préambule", 2, 0},
        {"droit applicable", 2, 0}, {"overeenkomst", 3, 1},
        {"hierna", 2, 0}, {"partijen", 2, 0}, {"overwegingen", 1.5, 0},
        {"toepasselijk recht", 2, 0}, {"contrato", 3, 0},
        {"contratos", 3, 0}, {"en lo sucesivo", 2, 0},
        {"las partes", 2, 0}, {"cláusula", 1.5, 1},
        {"legislación aplicable", 2, 0}, {NULL, 0, 0},
};
/* clang-format on */

/* clang-format off */
static const struct phrase ph_tax[] = {
        {"form 1040", 3, 1}, {"internal revenue service", 3, 0},
        {"department of the treasury", 3, 0}, {"tax return", 2.5, 0},
        {"tax year", 1.5, 0}, {"taxpayer", 2, 1}, {"filing status", 3, 0},
        {"adjusted gross income", 3, 0}, {"social security number", 2, 0},
        {"w-2", 2.5, 0}, {"w-9", 2.5, 0}, {"1099", 2, 1}, {"omb no", 2, 0},
        {"steuererklärung", 3, 1}, {"einkommensteuer", 2, 1},
        {"einkommensteuererklärung", 3, 0}, {"veranlagungszeitraum", 2, 0},
        {"finanzamt", 2, 0}, {"steuernummer", 1.5, 0},
        {"déclaration de revenus", 3, 0}, {"déclaration des revenus", 3, 0},
        {"avis d'imposition", 3, 0}, {"impôt sur le revenu", 2, 0},
        {"numéro fiscal", 2, 0}, {"finances publiques", 2, 0},
        {"aangifte inkomstenbelasting", 3, 0}, {"belastingdienst", 2, 0},
        {"belastingjaar", 2, 0}, {"declaración de la renta", 3, 0},
        {"agencia tributaria", 2, 0}, {"irpf", 2, 0}, {NULL, 0, 0},
};
/* clang-format on */

/* Documents of none of the classes above that look like one: orders,
 * delivery notes, quotations (amounts, item tables), letters, minutes. */
/* clang-format off */
static const struct phrase ph_other[] = {
        {"purchase order", 3, 0}, {"delivery note", 3, 0},
        {"packing slip", 3, 0}, {"quotation", 3, 0}, {"estimate", 1.5, 0},
        {"minutes", 2, 0}, {"agenda", 1, 0}, {"dear", 1, 0},
        {"subject", 1, 0}, {"kind regards", 1, 0}, {"valid until", 1.5, 0},
        {"lieferschein", 3, 0}, {"angebot", 3, 1}, {"bestellung", 2, 0},
        {"protokoll", 2, 0}, {"tagesordnung", 1.5, 0}, {"betreff", 1, 0},
        {"gültig bis", 1, 0}, {"bon de commande", 3, 0},
        {"bon de livraison", 3, 0}, {"devis", 3, 0}, {"compte rendu", 2, 0},
        {"ordre du jour", 1.5, 0}, {"valable jusqu'au", 1.5, 0},
        {"inkooporder", 3, 0}, {"pakbon", 3, 0}, {"offerte", 3, 0},
        {"notulen", 2, 0}, {"betreft", 1, 0}, {"geldig tot", 1.5, 0},
        {"albarán", 3, 0}, {"presupuesto", 3, 0}, {"acta", 2, 0},
        {"orden del día", 1.5, 0}, {"asunto", 1, 0},
        {"válida hasta", 1.5, 0}, {NULL, 0, 0},
};
/* clang-format on */

/* clang-format off */
static const struct {
        const char *name;
        const struct phrase *ph;
} class_defs[] = {
        {"invoice", ph_invoice}, {"receipt", ph_receipt},
        {"bank_statement", ph_bank}, {"annual_report", ph_annual},
        {"financial_report", ph_financial}, {"contract", ph_contract},
        {"tax_form", ph_tax}, {"other", ph_other},
};
/* clang-format on */

/* Index of the class_defs entry named name, or -1 (a class of a custom
 * taxonomy: no phrases, no evidence). */
static int class_def_find(const char *name)
{
        size_t i;

        for (i = 0; i < G_N_ELEMENTS(class_defs); i++)
                if (strcmp(class_defs[i].name, name) == 0)
                        return (int)i;
        return -1;
}

/* All phrases of class_defs in one index, so that classify reads the text
 * once rather than once per phrase (memchr for the first byte of each of
 * some 170 phrases over 72 KB was most of its time). Phrases are numbered
 * in table order, class after class (ph[first[d]..first[d + 1]) are those
 * of class_defs[d]), which is also the order their evidence is summed in.
 * by_byte lists the numbers grouped by first byte: the phrases that can
 * start with byte c are by_byte[start[c]..start[c + 1]). Built on the
 * stack per call: a few thousand instructions. */
#define BUILTIN_PHRASES_MAX 384
struct phrase_index {
        const struct phrase *ph[BUILTIN_PHRASES_MAX];
        /* per phrase: its first four bytes (where they are not a space,
         * which matches any white space), compared at once before the
         * whole phrase is */
        uint32_t pre[BUILTIN_PHRASES_MAX], mask[BUILTIN_PHRASES_MAX];
        size_t first[G_N_ELEMENTS(class_defs) + 1];
        unsigned short by_byte[BUILTIN_PHRASES_MAX];
        unsigned short start[257];
        size_t n;
};

/* Occurrences of one phrase: as many as find_word would find one after
 * the other (left to right, not overlapping), at most BUILTIN_COUNT_CAP,
 * each weighted by its line: a row of a table of figures says what is
 * sold or booked ("Annual maintenance contract 1 900.00 900.00"), not
 * what the document is, and counts BUILTIN_ROW_WEIGHT. */
struct phrase_hits {
        double count;
        int n;        /* occurrences, for the cap */
        int in_title; /* one of them is in the title area, not a row */
        size_t from;  /* the next occurrence starts here or later */
};

static void phrase_index_init(struct phrase_index *x)
{
        unsigned short next[256];
        const struct phrase *ph;
        size_t d, k;
        int c;

        x->n = 0;
        for (d = 0; d < G_N_ELEMENTS(class_defs); d++) {
                x->first[d] = x->n;
                for (ph = class_defs[d].ph; ph->pat; ph++) {
                        if (x->n == BUILTIN_PHRASES_MAX)
                                abort(); /* raise BUILTIN_PHRASES_MAX */
                        x->ph[x->n++] = ph;
                }
        }
        x->first[d] = x->n;
        /* Counting sort by first byte. */
        memset(next, 0, sizeof(next));
        for (k = 0; k < x->n; k++)
                next[(unsigned char)x->ph[k]->pat[0]]++;
        x->start[0] = 0;
        for (c = 0; c < 256; c++) {
                x->start[c + 1] = (unsigned short)(x->start[c] + next[c]);
                next[c] = x->start[c];
        }
        for (k = 0; k < x->n; k++)
                x->by_byte[next[(unsigned char)x->ph[k]->pat[0]]++] =
                        (unsigned short)k;
        for (k = 0; k < x->n; k++) {
                unsigned char b4[4] = {0}, m4[4] = {0};
                const char *pat = x->ph[k]->pat;
                size_t j;

                for (j = 0; j < 4 && pat[j]; j++) {
                        b4[j] = pat[j] == ' ' ? 0 : (unsigned char)pat[j];
                        m4[j] = pat[j] == ' ' ? 0 : 0xFF;
                }
                memcpy(&x->pre[k], b4, 4);
                memcpy(&x->mask[k], m4, 4);
        }
}

/* The index, built once per model (new). */
static struct phrase_index *phrase_index_new(void)
{
        struct phrase_index *x = xmalloc(sizeof(*x));

        phrase_index_init(x);
        return x;
}

/* The part of a text the classifier and the other passes read: the first
 * BUILTIN_HEAD_BYTES and, for classify, the last BUILTIN_TAIL_BYTES, cut at
 * UTF-8 boundaries, folded. f is new; s is borrowed from the caller. */
struct window {
        const char *s; /* original bytes (head only) */
        char *f;       /* folded head, then a space, then the folded tail */
        size_t n;      /* bytes of head in s and f */
        size_t fn;     /* bytes of f */
};

static void window_init(struct window *w, const char *text, size_t len,
                        int tail)
{
        size_t hn = utf8_cut(text, BUILTIN_HEAD_BYTES, len), ts = len, tn;

        if (tail && len > hn) {
                ts = len > BUILTIN_TAIL_BYTES ? len - BUILTIN_TAIL_BYTES : 0;
                if (ts < hn)
                        ts = hn;
                while (ts < len && ((unsigned char)text[ts] & 0xC0) == 0x80)
                        ts++;
        }
        tn = len - ts;
        w->s = text;
        w->n = hn;
        w->fn = hn + (tn ? 1 + tn : 0);
        w->f = xmalloc(w->fn + 1);
        fold(text, hn, w->f);
        if (tn) {
                w->f[hn] = ' ';
                fold(text + ts, tn, w->f + hn + 1);
        }
        w->f[w->fn] = '\0';
}

static void window_cleanup(struct window *w)
{
        free(w->f);
        w->f = NULL;
}

static size_t count_words(const char *f, size_t n)
{
        size_t i, words = 0;

        for (i = 0; i < n; i++)
                if (is_wordc((unsigned char)f[i]) &&
                    (i == 0 || !is_wordc((unsigned char)f[i - 1])))
                        words++;
        return words;
}

/* Is f[i..e) a row of a table: two amounts with decimals or more? */
static int line_is_row(const char *f, size_t i, size_t e)
{
        int n = 0;

        for (; i + 3 < e; i++)
                if (is_digit((unsigned char)f[i]) &&
                    (f[i + 1] == '.' || f[i + 1] == ',') &&
                    is_digit((unsigned char)f[i + 2]) &&
                    is_digit((unsigned char)f[i + 3]) &&
                    (i + 4 == e || !is_digit((unsigned char)f[i + 4])) &&
                    ++n == 2)
                        return 1;
        return 0;
}

/* Counts the occurrences of every phrase of x in w, in one pass. */
static void phrase_scan(const struct phrase_index *x, const struct window *w,
                        struct phrase_hits *hits)
{
        const char *f = w->f;
        size_t title = w->n < BUILTIN_TITLE_BYTES ? w->n : BUILTIN_TITLE_BYTES;
        size_t i, k, e, eol = 0;
        double weight = 1.0;
        int heading = 0;
        uint32_t four = 0;

        memset(hits, 0, x->n * sizeof(*hits));
        for (i = 0; i < w->fn; i++) {
                unsigned char c = (unsigned char)f[i];

                if (i >= eol) {
                        const char *nl = memchr(f + i, '\n', w->fn - i);

                        eol = nl ? (size_t)(nl - f) + 1 : w->fn;
                        weight = line_is_row(f, i, eol) ? BUILTIN_ROW_WEIGHT
                                                        : 1.0;
                        /* A title is a short line, not a sentence that
                         * mentions the word ("Regarding your invoice of
                         * last month, ..."). */
                        heading = i < title && count_words(f + i, eol - i) <=
                                                       BUILTIN_TITLE_WORDS;
                }
                if (i + 4 <= w->fn)
                        memcpy(&four, f + i, 4);
                for (k = x->start[c]; k < x->start[c + 1]; k++) {
                        unsigned short q = x->by_byte[k];
                        const struct phrase *ph = x->ph[q];
                        struct phrase_hits *h = &hits[q];

                        if (i + 4 <= w->fn && (four & x->mask[q]) != x->pre[q])
                                continue;
                        if (h->n >= BUILTIN_COUNT_CAP || i < h->from ||
                            !may_start(f, w->fn, i, ph->pat))
                                continue;
                        e = word_at(f, w->fn, i, ph->pat, ph->prefix);
                        if (!e)
                                continue;
                        h->n++;
                        h->count += weight;
                        if (heading && weight == 1.0)
                                h->in_title = 1;
                        h->from = e;
                }
                /* Inside a word no phrase that starts with a word
                 * character can begin: go on after its last byte. */
                if (is_wordc(c))
                        while (i + 1 < w->fn &&
                               is_wordc((unsigned char)f[i + 1]))
                                i++;
        }
}

/* Evidence for class_defs[d]: per phrase, w * (log1p(count) + bonus if
 * seen in the title area). Diminishing returns keep a word repeated in a
 * table from outvoting a title. */
static double class_score(const struct phrase_index *x,
                          const struct phrase_hits *hits, int d)
{
        double s = 0;
        size_t k;

        if (d < 0)
                return 0;
        for (k = x->first[d]; k < x->first[d + 1]; k++)
                if (hits[k].n)
                        s += x->ph[k]->w *
                             (log1p(hits[k].count) +
                              (hits[k].in_title ? BUILTIN_TITLE_BONUS : 0));
        return s;
}

/* Confidence: the softmax probability of the best class among the
 * configured ones ("other" scores BUILTIN_OTHER_PRIOR), times how well
 * supported the best class is on its own (1 - e^(-score/scale)). Close
 * runners-up lower the first factor, thin evidence the second. "other"
 * chosen for lack of evidence is as sure as the text is long. */
void builtin_classify(struct builtin *b, const char *text, size_t len,
                      const char **cls, double *confidence)
{
        double score[CONFIG_MAX_CLASSES] = {0}, sum = 0, p, conf;
        struct phrase_hits hits[BUILTIN_PHRASES_MAX];
        const struct phrase_index *xp = b->px;
        struct window w;
        size_t i, best = 0;

        if (!text)
                len = 0;
        window_init(&w, text ? text : "", len, 1);
        phrase_scan(xp, &w, hits);
        for (i = 0; i < b->classes_n; i++) {
                score[i] = class_score(xp, hits, class_def_find(b->classes[i]));
                if ((int)i == b->other)
                        score[i] += BUILTIN_OTHER_PRIOR;
                if (score[i] > score[best])
                        best = i;
        }
        for (i = 0; i < b->classes_n; i++)
                sum += exp((score[i] - score[best]) / BUILTIN_TEMPERATURE);
        p = 1.0 / sum;
        if ((int)best == b->other && score[best] < BUILTIN_OTHER_PRIOR + 1.0) {
                /* "other" for lack of evidence of anything else */
                double words = (double)count_words(w.f, w.fn);

                conf = p * (0.5 + 0.5 * fmin(1.0, words / 200.0));
        } else {
                conf = p * (1.0 - exp(-score[best] / BUILTIN_EVIDENCE_SCALE));
        }
        window_cleanup(&w);
        *cls = b->classes[best];
        *confidence = round(fmin(fmax(conf, 0.0), 1.0) * 1000.0) / 1000.0;
}

/* ---- fields: reading values ------------------------------------------ */

struct span {
        size_t off, len;
};

/* What the field extractors read: the window, its folded copy (same
 * offsets), its non-empty lines, and how to read 03/04/2024. */
struct fctx {
        const char *s; /* original bytes, borrowed */
        const char *f; /* folded, borrowed from a struct window */
        size_t n;
        struct span *lines; /* new */
        size_t lines_n;
        int dmy; /* 1: 03/04 is 3 April; 0: March 4 (US); -1: unknown */
        struct fcache *cache; /* what is computed when first asked */
        int unit;             /* reports: power of ten their tables are in */
        const char *text;     /* the whole text, borrowed (fields that may be
                               * at its end: a contract's governing law) */
        size_t text_len;
        struct widx *idx; /* new, or NULL: ctx_find reads the whole text */
};

/* Where the words of a context's folded text start, grouped by their
 * first two bytes (white space as ' '), built when ctx_find is first
 * asked. The field rules look for dozens of labels per document, each
 * through the whole window (64 KiB), and most occur nowhere: with this a
 * label costs the words that begin as it does. */
#define WIDX_BUCKETS 1024
struct widx {
        uint32_t *pos; /* word starts, by bucket, in order */
        /* bucket k: pos[start[k]..start[k + 1]) */
        uint32_t start[WIDX_BUCKETS + 1];
};

static unsigned widx_key(unsigned char a, unsigned char b)
{
        if (is_space(b))
                b = ' ';
        return ((((unsigned)a << 8) | b) * 2654435761u) >> 22;
}

/* One pass finds the word starts (a word byte not after one) and their
 * keys; a counting sort groups them by key, each group in text order. */
static void widx_build(struct widx *x, const char *f, size_t n)
{
        const unsigned char *u = (const unsigned char *)f;
        uint32_t *at = xmalloc((n / 2 + 1) * sizeof(*at));
        uint16_t *key = xmalloc((n / 2 + 1) * sizeof(*key));
        size_t i, k, words = 0;
        int prev = 0;

        memset(x->start, 0, sizeof(x->start));
        for (i = 0; i < n; i++) {
                int w = is_wordc(u[i]);

                if (w && !prev) {
                        at[words] = (uint32_t)i;
                        key[words] = (uint16_t)widx_key(u[i], u[i + 1]);
                        x->start[key[words] + 1]++;
                        words++;
                }
                prev = w;
        }
        for (k = 0; k < WIDX_BUCKETS; k++)
                x->start[k + 1] += x->start[k];
        x->pos = xmalloc((words ? words : 1) * sizeof(*x->pos));
        {
                uint32_t fill[WIDX_BUCKETS];

                memcpy(fill, x->start, sizeof(fill));
                for (i = 0; i < words; i++)
                        x->pos[fill[key[i]]++] = at[i];
        }
        free(at);
        free(key);
}

/* An index for c (c->f NUL-terminated, shorter than 4 GiB), built at its
 * first use. */
static void ctx_index(struct fctx *c)
{
        c->idx = xcalloc(1, sizeof(*c->idx));
}

static void ctx_index_free(struct fctx *c)
{
        if (c->idx)
                free(c->idx->pos);
        free(c->idx);
        c->idx = NULL;
}

/* The first start in c's index at or after from, before n, where pat
 * occurs as find_word would find it. */
static int widx_find(const struct fctx *c, size_t n, size_t from,
                     const char *pat, int prefix, size_t *at, size_t *end)
{
        const struct widx *x = c->idx;
        const unsigned char *p = (const unsigned char *)pat;
        unsigned k = widx_key(p[0], p[1]);
        size_t lo = x->start[k], hi = x->start[k + 1];

        while (lo < hi) { /* the first start at or after from */
                size_t mid = lo + (hi - lo) / 2;

                if (x->pos[mid] < from)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (hi = x->start[k + 1]; lo < hi && x->pos[lo] < n; lo++) {
                size_t i = x->pos[lo], e;

                if ((unsigned char)c->f[i] != p[0])
                        continue;
                e = word_at(c->f, n, i, pat, prefix);
                if (e) {
                        *at = i;
                        *end = e;
                        return 1;
                }
        }
        return 0;
}

/* find_word(c->f, n, from, ...) for n <= c->n: the same first match, read
 * from c's index when pat begins with a word byte (a match starts a word
 * there) and has a second byte. Built with BUILTIN_CHECK_INDEX (the fuzz
 * target), every answer is checked against find_word's. */
static int ctx_find(const struct fctx *c, size_t n, size_t from,
                    const char *pat, int prefix, size_t *at, size_t *end)
{
        const unsigned char *p = (const unsigned char *)pat;
        int found;

        if (!c->idx || !is_wordc(p[0]) || p[1] == '\0' || n > c->n)
                return find_word(c->f, n, from, pat, prefix, at, end);
        if (!c->idx->pos)
                widx_build(c->idx, c->f, c->n);
        found = widx_find(c, n, from, pat, prefix, at, end);
#ifdef BUILTIN_CHECK_INDEX
        {
                size_t a2, e2;

                if (find_word(c->f, n, from, pat, prefix, &a2, &e2) != found ||
                    (found && (a2 != *at || e2 != *end)))
                        abort();
        }
#endif
        return found;
}

/* What the field passes compute once per document, when first asked,
 * for the document's context (main). */
struct fcache {
        const struct fctx *main;
        int cur_done;
        const char *cur;
};

static const char *currency_main(const struct fctx *c);

/* The currency the document names most often, or NULL. */
static const char *doc_cur(const struct fctx *c)
{
        struct fcache *k = c->cache;

        if (!k->cur_done) {
                k->cur = currency_main(k->main);
                k->cur_done = 1;
        }
        return k->cur;
}

/* A context of one line: text[0..len) (at most cap bytes, cut at a UTF-8
 * boundary) with its white space runs made single spaces, so that what a
 * PDF wrapped reads as one sentence ("entered into as of 24.\nJuli
 * 2021"). sub's buffers are new: flat_cleanup frees them. */
static void flat_init(struct fctx *sub, const struct fctx *c, const char *text,
                      size_t len, size_t cap)
{
        size_t n = utf8_cut(text, cap, len), i, o = 0;
        char *s = xmalloc(n + 1), *f = xmalloc(n + 1);

        fold(text, n, f);
        for (i = 0; i < n; i++) {
                if (is_space((unsigned char)f[i])) {
                        if (o > 0 && f[o - 1] == ' ')
                                continue;
                        s[o] = f[o] = ' ';
                } else {
                        s[o] = text[i];
                        f[o] = f[i];
                }
                o++;
        }
        s[o] = f[o] = '\0';
        memset(sub, 0, sizeof(*sub));
        sub->s = s;
        sub->f = f;
        sub->n = o;
        sub->dmy = c->dmy;
        sub->cache = c->cache;
        sub->lines = xmalloc(sizeof(*sub->lines));
        sub->lines[0].off = 0;
        sub->lines[0].len = o;
        sub->lines_n = o > 0;
        ctx_index(sub);
}

static void flat_cleanup(struct fctx *sub)
{
        free((char *)sub->s);
        free((char *)sub->f);
        free(sub->lines);
        ctx_index_free(sub);
}

static void lines_build(struct fctx *c)
{
        size_t i = 0, cap = 64;
        const char *f = c->f;

        c->lines = xmalloc(cap * sizeof(*c->lines));
        c->lines_n = 0;
        while (i < c->n) {
                size_t st = i, e;

                while (i < c->n && f[i] != '\n' && f[i] != '\r' &&
                       f[i] != '\f' && f[i] != '\v')
                        i++;
                e = i++;
                while (st < e && (f[st] == ' ' || f[st] == '\t'))
                        st++;
                while (e > st && (f[e - 1] == ' ' || f[e - 1] == '\t'))
                        e--;
                if (e == st)
                        continue;
                if (c->lines_n == cap) {
                        cap *= 2;
                        c->lines = xrealloc(c->lines, cap * sizeof(*c->lines));
                }
                c->lines[c->lines_n].off = st;
                c->lines[c->lines_n].len = e - st;
                c->lines_n++;
        }
}

static size_t line_end(const struct fctx *c, size_t li)
{
        return c->lines[li].off + c->lines[li].len;
}

/* Month names and abbreviations, folded: EN, DE, FR, NL, ES. */
/* clang-format off */
static const struct {
        const char *name;
        int m;
} months[] = {
        {"january", 1}, {"jan", 1}, {"januar", 1}, {"jänner", 1},
        {"janvier", 1}, {"janv", 1}, {"januari", 1}, {"enero", 1}, {"ene", 1},
        {"february", 2}, {"feb", 2}, {"februar", 2}, {"février", 2},
        {"fevrier", 2}, {"févr", 2}, {"februari", 2}, {"febrero", 2},
        {"march", 3}, {"mar", 3}, {"märz", 3}, {"maerz", 3}, {"mars", 3},
        {"maart", 3}, {"mrt", 3}, {"marzo", 3}, {"april", 4}, {"apr", 4},
        {"avril", 4}, {"avr", 4}, {"abril", 4}, {"abr", 4}, {"may", 5},
        {"mai", 5}, {"mei", 5}, {"mayo", 5}, {"june", 6}, {"jun", 6},
        {"juni", 6}, {"juin", 6}, {"junio", 6}, {"july", 7}, {"jul", 7},
        {"juli", 7}, {"juillet", 7}, {"juil", 7}, {"julio", 7}, {"august", 8},
        {"aug", 8}, {"août", 8}, {"aout", 8}, {"augustus", 8}, {"agosto", 8},
        {"ago", 8}, {"september", 9}, {"sep", 9}, {"sept", 9}, {"septembre", 9},
        {"septiembre", 9}, {"october", 10}, {"oct", 10}, {"oktober", 10},
        {"okt", 10}, {"octobre", 10}, {"octubre", 10}, {"november", 11},
        {"nov", 11}, {"novembre", 11}, {"noviembre", 11}, {"december", 12},
        {"dec", 12}, {"dezember", 12}, {"dez", 12}, {"décembre", 12},
        {"decembre", 12}, {"déc", 12}, {"diciembre", 12}, {"dic", 12},
};
/* clang-format on */

/* Month named by the word at i (a trailing dot is taken too), or 0. */
static int month_at(const char *f, size_t i, size_t end, size_t *e)
{
        size_t j = i, k;

        while (j < end && j - i <= 12 &&
               (is_alpha((unsigned char)f[j]) || (unsigned char)f[j] >= 0x80))
                j++;
        if (j == i || j - i > 12)
                return 0;
        for (k = 0; k < G_N_ELEMENTS(months); k++) {
                if (strlen(months[k].name) == j - i &&
                    memcmp(f + i, months[k].name, j - i) == 0) {
                        if (j < end && f[j] == '.')
                                j++;
                        *e = j;
                        return months[k].m;
                }
        }
        return 0;
}

static int valid_ymd(int y, int m, int d)
{
        static const int mdays[] = {31, 28, 31, 30, 31, 30,
                                    31, 31, 30, 31, 30, 31};
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

        if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1)
                return 0;
        return d <= mdays[m - 1] + (m == 2 && leap);
}

/* Reads the digits at i (value of the first nine); returns their count. */
static size_t digits_at(const char *f, size_t i, size_t end, int *v)
{
        size_t j = i;
        long x = 0;

        while (j < end && is_digit((unsigned char)f[j])) {
                if (j - i < 9)
                        x = x * 10 + (f[j] - '0');
                j++;
        }
        *v = (int)x;
        return j - i;
}

static size_t skip_ws(const char *f, size_t i, size_t end)
{
        while (i < end && is_space((unsigned char)f[i]))
                i++;
        return i;
}

static size_t skip_blank(const char *f, size_t i, size_t end)
{
        while (i < end && (f[i] == ' ' || f[i] == '\t'))
                i++;
        return i;
}

/* Skips an ordinal suffix after a day number: 1st, 2nd, 3rd, 4th, 1er. */
static size_t skip_ordinal(const char *f, size_t i, size_t end)
{
        static const char *const suf[] = {"st", "nd", "rd", "th", "er", "e"};
        size_t k;

        for (k = 0; k < G_N_ELEMENTS(suf); k++) {
                size_t l = strlen(suf[k]);

                if (i + l <= end && memcmp(f + i, suf[k], l) == 0 &&
                    (i + l == end || !is_wordc((unsigned char)f[i + l])))
                        return i + l;
        }
        return i;
}

/* A date must end where a token ends. */
static int date_tail_ok(const char *f, size_t e, size_t end)
{
        if (e >= end)
                return 1;
        if (is_wordc((unsigned char)f[e]))
                return 0;
        return !((f[e] == '.' || f[e] == '/' || f[e] == '-') && e + 1 < end &&
                 is_digit((unsigned char)f[e + 1]));
}

/* A two-digit day or month of 60 to 99 cannot be one: on OCR'd till rolls
 * it is a leading zero (dotted or slashed in their fonts) read as 6, 8 or
 * 9 ("99/07/2021", "2024-62-19"), so it reads as that zero. */
static int date_zero(const char *f, size_t at, size_t n, int v)
{
        if (n == 2 && v >= 60 && (f[at] == '6' || f[at] == '8' || f[at] == '9'))
                return v % 10;
        return v;
}

/* Reads a date at i: 2024-03-12, 12.03.2024, 03/12/2024 (month first only
 * for English, day first otherwise, left out when unknown and ambiguous),
 * 12. März 2024, 1er mars 2024, 12 de marzo de 2024, 12-Mar-2024,
 * March 12, 2024. Returns its end and sets *y, *m, *d, or returns 0. */
static size_t date_at(const struct fctx *c, size_t i, size_t end, int *y,
                      int *m, int *d)
{
        const char *f = c->f;
        size_t na, nc, j, k, e;
        int a, bm, cy, mon;
        char sep;

        if (i >= end)
                return 0;
        if (!is_digit((unsigned char)f[i])) {
                /* Month first. */
                mon = month_at(f, i, end, &k);
                if (!mon || k >= end || f[k] != ' ')
                        return 0;
                k = skip_blank(f, k, end);
                na = digits_at(f, k, end, &a);
                if (na == 0 || na > 2)
                        return 0;
                k = skip_ordinal(f, k + na, end);
                k = skip_blank(f, k, end);
                if (k < end && f[k] == ',')
                        k = skip_blank(f, k + 1, end);
                nc = digits_at(f, k, end, &cy);
                e = k + nc;
                if (nc != 4 || !date_tail_ok(f, e, end) ||
                    !valid_ymd(cy, mon, a))
                        return 0;
                *y = cy, *m = mon, *d = a;
                return e;
        }
        na = digits_at(f, i, end, &a);
        j = i + na;
        if (na > 4)
                return 0;
        sep = j < end ? f[j] : 0;
        if ((sep == '.' || sep == '/' || sep == '-') && j + 1 < end &&
            is_digit((unsigned char)f[j + 1])) {
                size_t nb = digits_at(f, j + 1, end, &bm);

                k = j + 1 + nb;
                if (nb > 2 || k + 1 >= end || f[k] != sep ||
                    !is_digit((unsigned char)f[k + 1]))
                        return 0;
                nc = digits_at(f, k + 1, end, &cy);
                e = k + 1 + nc;
                if (!date_tail_ok(f, e, end))
                        return 0;
                bm = date_zero(f, j + 1, nb, bm);
                if (na == 4)
                        cy = date_zero(f, k + 1, nc, cy);
                else
                        a = date_zero(f, i, na, a);
                if (na == 4 && nc <= 2) {
                        *y = a, *m = bm, *d = cy;
                } else if (na <= 2 && (nc == 4 || nc == 2)) {
                        *y = nc == 2 ? (cy < 70 ? 2000 + cy : 1900 + cy) : cy;
                        /* Dots and dashes are day first everywhere
                         * (12.03.2024, 12-03-2024); slashes follow the
                         * language. */
                        if (sep != '/' || a > 12 || a == bm ||
                            (bm <= 12 && c->dmy == 1))
                                *d = a, *m = bm;
                        else if (bm > 12 || c->dmy == 0)
                                *m = a, *d = bm;
                        else
                                return 0; /* ambiguous, language unknown */
                } else {
                        return 0;
                }
                return valid_ymd(*y, *m, *d) ? e : 0;
        }
        /* Day first, month written. */
        if (na > 2)
                return 0;
        k = j;
        if (k < end && f[k] == '.')
                k++;
        else
                k = skip_ordinal(f, k, end);
        if (k < end && f[k] == '-')
                k++;
        k = skip_blank(f, k, end);
        if (k + 3 < end && memcmp(f + k, "de ", 3) == 0)
                k += 3;
        mon = month_at(f, k, end, &k);
        if (!mon)
                return 0;
        if (k < end && f[k] == '-')
                k++;
        k = skip_blank(f, k, end);
        if (k + 3 < end && memcmp(f + k, "de ", 3) == 0)
                k += 3;
        if (k < end && f[k] == ',')
                k = skip_blank(f, k + 1, end);
        nc = digits_at(f, k, end, &cy);
        e = k + nc;
        if (nc != 4 || !date_tail_ok(f, e, end) || !valid_ymd(cy, mon, a))
                return 0;
        *y = cy, *m = mon, *d = a;
        return e;
}

/* May a date or number start at i (not inside a word, an id or a
 * number)? A '-' before is fine after a space or a digit (ranges). */
static int token_start(const char *f, size_t i, size_t lo)
{
        unsigned char p;

        if (i == lo)
                return 1;
        p = (unsigned char)f[i - 1];
        if (is_wordc(p) || p == '/' || p == '.' || p == ',')
                return 0;
        if (p == '-' && i - 1 > lo && is_alpha((unsigned char)f[i - 2]))
                return 0;
        return 1;
}

/* How this document writes 03/04/2024: if its slash dates that can only
 * be read one way (31/03/2024, 12/31/2024) all agree, that way; else as
 * its language says. */
static int slash_order(const struct fctx *c, int dflt)
{
        const char *f = c->f;
        size_t i, na, nb, nc, dmy = 0, mdy = 0;
        int a, b, y;

        for (i = 0; i + 8 <= c->n; i++) {
                if (!is_digit((unsigned char)f[i]) || !token_start(f, i, 0))
                        continue;
                na = digits_at(f, i, c->n, &a);
                if (na > 2 || i + na + 1 >= c->n || f[i + na] != '/')
                        continue;
                nb = digits_at(f, i + na + 1, c->n, &b);
                if (nb == 0 || nb > 2 || i + na + nb + 2 >= c->n ||
                    f[i + na + 1 + nb] != '/')
                        continue;
                nc = digits_at(f, i + na + nb + 2, c->n, &y);
                if (nc != 4 && nc != 2)
                        continue;
                dmy += a > 12 && a <= 31 && b <= 12;
                mdy += b > 12 && b <= 31 && a <= 12;
                i += na + nb + nc + 1;
        }
        if (dmy && !mdy)
                return 1;
        if (mdy && !dmy)
                return 0;
        return dflt;
}

/* The first date in f[i..end), skipping nothing else; 0 if none. */
static size_t date_in(const struct fctx *c, size_t i, size_t end, char out[11],
                      size_t *at)
{
        size_t j, e;
        int y, m, d;

        for (j = i; j < end; j++) {
                if (!is_wordc((unsigned char)c->f[j]) ||
                    !token_start(c->f, j, i))
                        continue;
                e = date_at(c, j, end, &y, &m, &d);
                if (e) {
                        snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
                        if (at)
                                *at = j;
                        return e;
                }
        }
        return 0;
}

/* Currencies: symbols (longest first) and ISO codes written in capitals. */
/* clang-format off */
static const struct {
        const char *sym;
        const char *code;
} cur_syms[] = {
        {"US$", "USD"}, {"CA$", "CAD"}, {"AU$", "AUD"}, {"A$", "AUD"},
        {"C$", "CAD"}, {"\xe2\x82\xac", "EUR"}, {"\xc2\xa3", "GBP"},
        {"\xc2\xa5", "JPY"}, {"\xe2\x82\xb9", "INR"}, {"Rs.", "INR"},
        {"Rs", "INR"}, {"$", "USD"}, {"z\xc5\x82", "PLN"},
};
/* clang-format on */

static const char *const cur_codes[] = {
        "EUR", "USD", "GBP", "CHF", "JPY", "CNY", "CAD", "AUD",
        "NZD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "INR",
        "BRL", "MXN", "ZAR", "SGD", "HKD", "TRY", NULL};

/* The currency named at i, with *e past it, or NULL. */
static const char *cur_at(const struct fctx *c, size_t i, size_t end, size_t *e)
{
        const unsigned char *s = (const unsigned char *)c->s;
        size_t k, ew;

        for (k = 0; k < G_N_ELEMENTS(cur_syms); k++) {
                size_t l;

                if (i >= end || s[i] != (unsigned char)cur_syms[k].sym[0])
                        continue; /* the cheap test first */
                l = strlen(cur_syms[k].sym);
                if (i + l > end || memcmp(s + i, cur_syms[k].sym, l) != 0)
                        continue;
                /* A symbol of letters (zł, Rs) is a word of its own. */
                if (is_alpha(s[i]) && i > 0 && is_alpha(s[i - 1]))
                        continue;
                if (is_alpha(s[i]) && i + l < end && is_alpha(s[i + l]))
                        continue;
                *e = i + l;
                return cur_syms[k].code;
        }
        if (i > 0 && is_alpha(s[i - 1]))
                return NULL;
        if (i + 3 <= end && is_upper(s[i]) && is_upper(s[i + 1]) &&
            is_upper(s[i + 2]) && (i + 3 == end || !is_alpha(s[i + 3]))) {
                for (k = 0; cur_codes[k]; k++) {
                        if (memcmp(s + i, cur_codes[k], 3) == 0) {
                                *e = i + 3;
                                return cur_codes[k];
                        }
                }
                return NULL;
        }
        ew = i;
        while (ew < end && is_alpha((unsigned char)c->f[ew]) && ew - i < 6)
                ew++;
        if ((ew - i == 4 && memcmp(c->f + i, "euro", 4) == 0) ||
            (ew - i == 5 && memcmp(c->f + i, "euros", 5) == 0)) {
                *e = ew;
                return "EUR";
        }
        return NULL;
}

/* The currency that ends at j (attached, or before one space). */
static const char *cur_before(const struct fctx *c, size_t j, size_t lo,
                              size_t *start)
{
        const char *code;
        size_t k, e, back;

        for (back = 0; back < 2; back++) {
                if (back && (j <= lo || c->f[j - 1] != ' '))
                        break;
                for (k = 4; k >= 1; k--) {
                        if (j - back < lo + k)
                                continue;
                        code = cur_at(c, j - back - k, j - back, &e);
                        if (code && e == j - back) {
                                *start = j - back - k;
                                return code;
                        }
                }
        }
        return NULL;
}

struct amount {
        char val[48];    /* "-1234.56" */
        const char *cur; /* ISO 4217 code or NULL */
        int dec;         /* had decimals */
        int grouped;     /* had thousands separators */
        int year;        /* a bare 19xx/20xx: more likely a year */
        int scale;       /* its own scale word: 6 for "million" */
        size_t start, end;
};

/* Multiplies the decimal string val ("-12.30") by 10^p, in place. */
static void scale_str(char *val, size_t cap, int p)
{
        char digits[64];
        size_t n = 0, i, lead = 0;
        int neg = val[0] == '-';

        if (p <= 0)
                return;
        for (i = (size_t)neg; val[i] && n < 40; i++)
                if (val[i] != '.')
                        digits[n++] = val[i];
        while (p-- > 0 && n < 40)
                digits[n++] = '0';
        while (lead + 3 < n && digits[lead] == '0')
                lead++;
        snprintf(val, cap, "%s%.*s.%.2s", neg ? "-" : "", (int)(n - 2 - lead),
                 digits + lead, digits + n - 2);
}

/* Scale words after an amount: 12.3 million, 4,5 Mrd., 12m (attached). */
static int scale_at(const char *f, size_t i, size_t end, int attached,
                    size_t *e)
{
        /* clang-format off */
        static const struct {
                const char *w;
                int p;
                int attached;
        } sw[] = {
                {"thousand", 3, 0}, {"thousands", 3, 0}, {"tsd", 3, 0},
                {"tausend", 3, 0}, {"million", 6, 0}, {"millions", 6, 0},
                {"mio", 6, 0}, {"millionen", 6, 0}, {"miljoen", 6, 0},
                {"billion", 9, 0}, {"billions", 9, 0}, {"mrd", 9, 0},
                {"milliard", 9, 0}, {"milliards", 9, 0}, {"miljard", 9, 0},
                {"k", 3, 1}, {"m", 6, 1}, {"mn", 6, 1}, {"bn", 9, 1},
        };
        /* clang-format on */
        size_t j = i, k;

        while (j < end && is_alpha((unsigned char)f[j]))
                j++;
        if (j == i || (j < end && is_wordc((unsigned char)f[j])))
                return 0;
        for (k = 0; k < G_N_ELEMENTS(sw); k++) {
                if (strlen(sw[k].w) == j - i &&
                    memcmp(f + i, sw[k].w, j - i) == 0 &&
                    (attached || !sw[k].attached)) {
                        *e = (j < end && f[j] == '.') ? j + 1 : j;
                        return sw[k].p;
                }
        }
        return 0;
}

/* Reads an amount whose first digit is at i, within a line [lo, end):
 * 1,234.56  1.234,56  1 234,56  1'234.56  1234.56  1234,5  with a
 * currency before or after, a sign, parentheses, a trailing minus or a
 * scale word. Percentages, dates, ids and ranges are refused. */
static int amount_at(const struct fctx *c, size_t i, size_t lo, size_t end,
                     struct amount *a)
{
        const char *f = c->f;
        const unsigned char *u = (const unsigned char *)c->s;
        size_t gs[8], gl[8], ng = 0, j = i, k, pb = i, e, ip, n0;
        char gsep[8], sep = 0, gsc = 0, intd[24];
        int neg = 0, dg = -1, ngi, g, plain_space = 0, paren = 0;

        memset(a, 0, sizeof(*a));
        if (i >= end || !is_digit((unsigned char)f[i]))
                return 0;
        a->cur = cur_before(c, i, lo, &pb);
        if (!a->cur && !token_start(f, i, lo))
                return 0;
        if (pb > lo && f[pb - 1] == '-' &&
            !(pb - 1 > lo && is_wordc((unsigned char)f[pb - 2])))
                neg = 1, pb--;
        else if (pb >= lo + 3 && memcmp(f + pb - 3, "\xe2\x88\x92", 3) == 0)
                neg = 1, pb -= 3;
        else if (a->cur && i > lo && f[i - 1] == '-')
                neg = 1;
        if (pb > lo && f[pb - 1] == '(')
                pb--, paren = 1;
        /* Digit groups and what separates them. */
        for (;;) {
                k = j;
                while (j < end && is_digit((unsigned char)f[j]))
                        j++;
                if (j == k || j - k > 15 || ng == G_N_ELEMENTS(gs))
                        return 0;
                gsep[ng] = ng ? sep : 0;
                gs[ng] = k;
                gl[ng++] = j - k;
                sep = 0;
                if (j + 1 < end &&
                    (f[j] == '.' || f[j] == ',' || f[j] == '\'') &&
                    is_digit((unsigned char)f[j + 1])) {
                        sep = f[j];
                        j++;
                } else if (j + 3 < end && f[j] == ' ') {
                        /* A space groups thousands: a hard space (folded
                         * to spaces) always, a plain one only before a
                         * decimal comma (1 234,56). */
                        k = j;
                        while (k < end && f[k] == ' ' && k - j < 3)
                                k++;
                        if (k - j > 1 && u[j] == ' ')
                                break;
                        /* "317,154,706 345,530,249" are two numbers: a
                         * space groups only groups of spaces, after at
                         * most three digits. */
                        if ((ng > 1 && gsep[ng - 1] != ' ') || gl[0] > 3)
                                break;
                        if (k + 3 > end || !is_digit((unsigned char)f[k]) ||
                            !is_digit((unsigned char)f[k + 1]) ||
                            !is_digit((unsigned char)f[k + 2]) ||
                            (k + 3 < end && is_digit((unsigned char)f[k + 3])))
                                break;
                        sep = ' ';
                        if (u[j] == ' ')
                                plain_space = 1;
                        j = k;
                }
                if (!sep)
                        break;
        }
        /* The last group is decimals if 1-2 digits after '.' or ','. */
        if (ng >= 2 && (gsep[ng - 1] == '.' || gsep[ng - 1] == ',') &&
            gl[ng - 1] <= 2)
                dg = (int)ng - 1;
        ngi = dg >= 0 ? dg : (int)ng;
        for (g = 1; g < ngi; g++) {
                if (gl[g] != 3 || (gsc && gsep[g] != gsc))
                        return 0;
                gsc = gsep[g];
        }
        if (ngi > 1 && gl[0] > 3)
                return 0;
        if (dg >= 0 && gsc == gsep[dg])
                return 0;
        if (plain_space && !(dg >= 0 && gsep[dg] == ','))
                return 0;
        /* What follows. */
        if (j < end && f[j] == '-') {
                if (j + 1 < end && is_wordc((unsigned char)f[j + 1]))
                        return 0;
                neg = 1;
                j++;
        }
        if (j + 1 < end && (f[j] == '/' || f[j] == '.' || f[j] == ',') &&
            is_digit((unsigned char)f[j + 1]))
                return 0;
        k = j < end && f[j] == ' ' ? j + 1 : j;
        if (k < end && f[k] == '%')
                return 0;
        /* "5.1 percent", "24,7 pour cent", "3 Prozent", maybe on the
         * next line (f holds the whole window). */
        if (j == end)
                k = skip_ws(f, j, c->n);
        if (k > j && (match_at(f, c->n, k, "percent") ||
                      match_at(f, c->n, k, "per cent") ||
                      match_at(f, c->n, k, "pour cent") ||
                      match_at(f, c->n, k, "prozent") ||
                      match_at(f, c->n, k, "procent") ||
                      match_at(f, c->n, k, "por ciento")))
                return 0;
        e = j;
        if (!a->cur) {
                a->cur = cur_at(c, j, end, &e);
                if (!a->cur && j < end && f[j] == ' ')
                        a->cur = cur_at(c, j + 1, end, &e);
                if (!a->cur)
                        e = j;
        }
        if (e == j && j < end && is_wordc((unsigned char)f[j])) {
                a->scale = scale_at(f, j, end, 1, &e);
                if (!a->scale)
                        return 0;
        } else {
                size_t se;
                int p = scale_at(f, skip_blank(f, e, end), end, 0, &se);

                if (p) {
                        a->scale = p;
                        e = se;
                        if (!a->cur) /* 4,2 Mrd. EUR */
                                a->cur = cur_at(c, skip_blank(f, e, end), end,
                                                &se);
                        if (a->cur)
                                e = se;
                }
        }
        if (paren) {
                k = skip_blank(f, e, end);
                if (k < end && f[k] == ')') {
                        neg = 1;
                        e = k + 1;
                }
        }
        /* Normalize: integer digits without leading zeros, two decimals. */
        ip = 0;
        for (g = 0; g < ngi; g++) {
                if (ip + gl[g] >= sizeof(intd))
                        return 0;
                memcpy(intd + ip, f + gs[g], gl[g]);
                ip += gl[g];
        }
        intd[ip] = '\0';
        n0 = 0;
        while (n0 + 1 < ip && intd[n0] == '0')
                n0++;
        snprintf(a->val, sizeof(a->val), "%s%s.%c%c", neg ? "-" : "", intd + n0,
                 dg >= 0 ? f[gs[dg]] : '0',
                 dg >= 0 && gl[dg] == 2 ? f[gs[dg] + 1] : '0');
        if (strcmp(a->val, "-0.00") == 0)
                memmove(a->val, a->val + 1, strlen(a->val));
        a->dec = dg >= 0;
        a->grouped = ngi > 1;
        a->year = !a->dec && !a->grouped && ip == 4 &&
                  (memcmp(intd, "19", 2) == 0 || memcmp(intd, "20", 2) == 0);
        if (a->scale)
                scale_str(a->val, sizeof(a->val), a->scale);
        a->start = pb;
        a->end = e;
        return 1;
}

/* The first amount in f[i..end) that is one: it has decimals or a
 * currency, or (ints) is a whole number that is not a year. Dates are
 * stepped over. A word of stop before it voids the search ("revenue
 * increased by 5 million to ..."). */
static int amount_in(const struct fctx *c, size_t i, size_t end, int ints,
                     const char *const *stop, struct amount *a, int *stopped)
{
        const char *f = c->f;
        size_t j = i, e, w;
        int y, m, d;

        while (j < end) {
                unsigned char ch = (unsigned char)f[j];

                if (is_wordc(ch) && token_start(f, j, i)) {
                        e = date_at(c, j, end, &y, &m, &d);
                        if (e) {
                                j = e;
                                continue;
                        }
                }
                if (is_digit(ch) &&
                    (j == i || !is_digit((unsigned char)f[j - 1]))) {
                        if (amount_at(c, j, i, end, a) &&
                            (a->dec || a->cur || a->scale ||
                             (ints && !a->year)))
                                return 1;
                        /* Not an amount: step over it, and over the
                         * groups of three digits that follow it after a
                         * space ("299 766 838 308 656 134", two columns
                         * whose spaces cannot be told from thousands
                         * separators): no amount starts inside. */
                        for (;;) {
                                while (j < end &&
                                       (is_digit((unsigned char)f[j]) ||
                                        f[j] == '.' || f[j] == ','))
                                        j++;
                                if (j + 4 <= end && f[j] == ' ' &&
                                    is_digit((unsigned char)f[j + 1]) &&
                                    is_digit((unsigned char)f[j + 2]) &&
                                    is_digit((unsigned char)f[j + 3]) &&
                                    (j + 4 == end ||
                                     !is_digit((unsigned char)f[j + 4])))
                                        j++;
                                else
                                        break;
                        }
                        continue;
                }
                if (stop && is_alpha(ch) &&
                    (j == i || !is_wordc((unsigned char)f[j - 1]))) {
                        w = j;
                        while (w < end && is_wordc((unsigned char)f[w]))
                                w++;
                        if (word_in(f, j, w, stop)) {
                                *stopped = 1;
                                return 0;
                        }
                        j = w;
                        continue;
                }
                j++;
        }
        return 0;
}

/* Is line li nothing but an amount (with its currency, and "TTC")? */
static int amount_line(const struct fctx *c, size_t li, struct amount *a)
{
        size_t lo = c->lines[li].off, end = line_end(c, li), j = lo, k;

        while (j < end && !is_digit((unsigned char)c->f[j]))
                j++;
        if (j == end || !amount_at(c, j, lo, end, a) || a->start != lo)
                return 0;
        k = skip_blank(c->f, a->end, end);
        if (k + 3 <= end && memcmp(c->f + k, "ttc", 3) == 0)
                k += 3;
        return skip_blank(c->f, k, end) == end;
}

/* Skips separators and the filler words of fill ("no", "nr", "du", ...)
 * between a label and its value. */
static size_t skip_fill(const char *f, size_t i, size_t end,
                        const char *const *fill)
{
        size_t e;

        for (;;) {
                while (i < end && (f[i] == ' ' || f[i] == '\t' || f[i] == ':' ||
                                   f[i] == '#' || f[i] == '.' || f[i] == '-' ||
                                   f[i] == '=' || f[i] == '*' || f[i] == '(' ||
                                   f[i] == ')' || f[i] == '|'))
                        i++;
                if (i + 2 < end && memcmp(f + i, "\xe2\x80", 2) == 0 &&
                    ((unsigned char)f[i + 2] == 0x93 ||
                     (unsigned char)f[i + 2] == 0x94)) {
                        i += 3; /* en or em dash */
                        continue;
                }
                /* n°, nº, n.º glued to the number */
                if (i + 3 <= end && f[i] == 'n' &&
                    (memcmp(f + i + 1, "\xc2\xb0", 2) == 0 ||
                     memcmp(f + i + 1, "\xc2\xba", 2) == 0)) {
                        i += 3;
                        continue;
                }
                if (i + 4 <= end && f[i] == 'n' && f[i + 1] == '.' &&
                    (memcmp(f + i + 2, "\xc2\xb0", 2) == 0 ||
                     memcmp(f + i + 2, "\xc2\xba", 2) == 0)) {
                        i += 4;
                        continue;
                }
                e = i;
                while (e < end &&
                       (is_wordc((unsigned char)f[e]) || f[e] == '\''))
                        e++;
                if (e > i && word_in(f, i, e, fill)) {
                        i = e;
                        continue;
                }
                return i;
        }
}

static const char *const fill_id[] = {"no",     "nr",     "number", "num",
                                      "nummer", "numéro", "numero", "número",
                                      "id",     "ref",    "nummer", NULL};
static const char *const fill_date[] = {
        "du",    "vom",   "van",   "de",    "del", "le",     "am",  "on",
        "dated", "den",   "per",   "op",    "of",  "el",     "d'",  "datum",
        "date",  "d",     "fecha", "from",  "by",  "before", "bis", "zum",
        "avant", "antes", "voor",  "until", "au",  "al",     "a",   NULL};
static const char *const fill_text[] = {"address", "adresse", "adres",   "name",
                                        "nom",     "naam",    "details", "attn",
                                        "z.hd",    "t.a.v",   "to",      NULL};

/* An invoice-number-like token at i: 3..40 bytes of letters, digits and
 * -/._#, at least one digit, and neither a date nor an amount. */
static int id_at(const struct fctx *c, size_t i, size_t end, char *out,
                 size_t cap)
{
        const char *f = c->f;
        size_t e, k, n = 0, digits = 0, dots = 0, others = 0;
        int y, m, d;

        while (i + n < end && n <= 40 && f[i + n] != ' ' && f[i + n] != '\t')
                n++;
        while (n > 0 && memchr(".,;:)", f[i + n - 1], 5))
                n--; /* trailing punctuation */
        if (n < 3 || n > 40 || n >= cap)
                return 0;
        e = i + n;
        for (k = i; k < e; k++) {
                unsigned char ch = (unsigned char)f[k];

                if (is_digit(ch))
                        digits++;
                else if (ch == '.')
                        dots++;
                else if (is_alpha(ch) || ch == '-' || ch == '/' || ch == '_' ||
                         ch == '#')
                        others++;
                else
                        return 0;
        }
        if (digits == 0 || (others == 0 && dots > 0))
                return 0; /* 123.45 is an amount */
        if (date_at(c, i, e, &y, &m, &d) == e)
                return 0;
        memcpy(out, c->s + i, e - i);
        out[e - i] = '\0';
        return 1;
}

/* A name-like text at i, up to a column gap (two spaces, a tab) or a
 * separator: at least two letters, fewer digits than half the letters,
 * no e-mail or web address, valid UTF-8. */
static int text_at(const struct fctx *c, size_t i, size_t end, char *out,
                   size_t cap)
{
        const char *f = c->f;
        size_t e, k, n = 0, letters = 0, digits = 0;

        for (; i + n < end && n <= BUILTIN_VALUE_MAX; n++) {
                e = i + n;
                if (f[e] == '\t' || f[e] == ';' || f[e] == '|' ||
                    (f[e] == ' ' && e + 1 < end && f[e + 1] == ' ') ||
                    (e + 1 < end && memcmp(f + e, "\xc2\xb7", 2) == 0))
                        break; /* a column gap or separator */
        }
        while (n > 0 && memchr(" ,:-", f[i + n - 1], 4))
                n--;
        if (n < 2 || n > BUILTIN_VALUE_MAX || n >= cap)
                return 0;
        e = i + n;
        for (k = i; k < e; k++) {
                if (is_alpha((unsigned char)f[k]) ||
                    (unsigned char)f[k] >= 0xC0)
                        letters++;
                else if (is_digit((unsigned char)f[k]))
                        digits++;
                else if (f[k] == '@' || f[k] == ':')
                        return 0;
        }
        if (letters < 2 || digits * 2 > letters)
                return 0;
        if (find_word(f, e, i, "www", 1, &k, &k) ||
            find_word(f, e, i, "http", 1, &k, &k) ||
            !utf8_valid(c->s + i, e - i))
                return 0;
        memcpy(out, c->s + i, e - i);
        out[e - i] = '\0';
        return 1;
}

/* A year (1900-2100) within 48 bytes after i: alone, or that of a date.
 * 2023/24 is refused: which year it names is a convention. */
static int year_in(const struct fctx *c, size_t i, size_t end, int *year)
{
        const char *f = c->f;
        size_t lim = end < i + 48 ? end : i + 48, j;
        int y, m, d, v;

        for (j = i; j < lim; j++) {
                if (!is_wordc((unsigned char)f[j]) || !token_start(f, j, i))
                        continue;
                if (date_at(c, j, end, &y, &m, &d)) {
                        *year = y;
                        return 1;
                }
                if (digits_at(f, j, end, &v) == 4 && v >= 1900 && v <= 2100 &&
                    date_tail_ok(f, j + 4, end) &&
                    !(j + 5 < end && f[j + 4] == '/' &&
                      is_digit((unsigned char)f[j + 5]))) {
                        *year = v;
                        return 1;
                }
        }
        return 0;
}

static int has_digit(const char *f, size_t i, size_t e)
{
        for (; i < e; i++)
                if (is_digit((unsigned char)f[i]))
                        return 1;
        return 0;
}

enum vkind { V_AMOUNT, V_DATE, V_ID, V_TEXT, V_YEAR };

/* One field: the labels that announce it, best first, and what may not
 * stand around a label for it to count ("due" before "date", "ht" after
 * "total"). */
struct rule {
        enum vkind kind;
        const char *const *labels;
        const char *const *not_before;
        const char *const *not_after;
        const char *const *stop; /* amounts: words voiding the match */
        int last;   /* the last occurrence wins (totals at the bottom) */
        int ints;   /* amounts: whole numbers count (report tables) */
        int idskip; /* dates: a number may sit between label and date */
        int exact;  /* amounts: a report's figure, next to its label; not
                     * one rounded in prose ("reached 12.3 million"),
                     * unless 2 */
};

struct value {
        char str[BUILTIN_VALUE_MAX + 1];
        const char *cur; /* amounts: the currency next to it */
        int scaled;      /* amounts: had their own scale word */
        size_t line;
};

static int word_before_in(const char *f, size_t lo, size_t at,
                          const char *const *list)
{
        size_t e = at, i;

        while (e > lo && (f[e - 1] == ' ' || f[e - 1] == '-' ||
                          f[e - 1] == '\t' || f[e - 1] == '.'))
                e--;
        i = e;
        while (i > lo &&
               (is_wordc((unsigned char)f[i - 1]) || f[i - 1] == '\''))
                i--;
        return e > i && word_in(f, i, e, list);
}

static int word_after_in(const char *f, size_t at, size_t end,
                         const char *const *list)
{
        size_t i = at, e;

        while (i < end && (f[i] == ' ' || f[i] == '\t' || f[i] == '.' ||
                           f[i] == '-' || f[i] == '('))
                i++;
        e = i;
        while (e < end && (is_wordc((unsigned char)f[e]) || f[e] == '\''))
                e++;
        return e > i && word_in(f, i, e, list);
}

/* Legal forms that end a company name. Short ones are also ordinary words
 * ("as", "se", "sa"), so they count only when written in capitals. */
static const char *const legal_ci[] = {
        "gmbh", "mbh",      "ltd",         "ltd.",   "limited",
        "llc",  "l.l.c.",   "inc",         "inc.",   "incorporated",
        "corp", "corp.",    "corporation", "plc",    "llp",
        "sarl", "s.a.r.l.", "sàrl",        "s.a.",   "s.a.s.",
        "sasu", "eurl",     "b.v.",        "n.v.",   "bvba",
        "sprl", "v.o.f.",   "s.l.",        "s.r.l.", "s.p.a.",
        "pty",  "e.k.",     "kgaa",        "ohg",    "gbr",
        "oyj",  "aps",      "kft",         "co.",    NULL};
static const char *const legal_cs[] = {"AG",  "SE", "SA",  "SAS", "AB", "AS",
                                       "KG",  "UG", "BV",  "NV",  "LP", "SL",
                                       "SRL", "OY", "A/S", NULL};

static int is_legal_form(const struct fctx *c, size_t i, size_t e)
{
        const char *const *p;

        if (word_in(c->f, i, e, legal_ci))
                return 1;
        for (p = legal_cs; *p; p++)
                if (strlen(*p) == e - i && memcmp(c->s + i, *p, e - i) == 0)
                        return 1;
        return 0;
}

/* ---- fields: rows of labels over rows of values, columns run together -- */

/*
 * Extraction rebuilds physical lines, so two things real layouts do come
 * out as one line of text:
 *  - a row of labels over a row of values ("Invoice No.: Date: Due date:"
 *    then "F-117 12.03.2024 11.04.2024"): each label's value is the item
 *    in the same place on the next line;
 *  - columns side by side ("Bill to: Invoice No.: 117" then "Anna Smith
 *    Date: 12.03.2024"): a value on the left runs into the next label.
 * Both are read with one vocabulary of the labels such headers carry, in
 * five languages, each with the kind of value it announces.
 */
enum lkind { LK_DATE, LK_ID, LK_AMOUNT, LK_TEXT, LK_NAME1, LK_NAME2 };

/* clang-format off */
static const struct known_label {
        const char *pat; /* folded; ' ' any white space */
        unsigned char kind;
} known_labels[] = {
        /* numbers of the document and of what it refers to */
        {"invoice number", LK_ID}, {"invoice no", LK_ID},
        {"invoice nr", LK_ID}, {"invoice #", LK_ID}, {"invoice id", LK_ID},
        {"invoice", LK_ID}, {"number", LK_ID}, {"no", LK_ID},
        {"rechnungsnummer", LK_ID}, {"rechnungs-nr", LK_ID},
        {"rechnungsnr", LK_ID}, {"rechnung nr", LK_ID}, {"rechnung", LK_ID},
        {"belegnummer", LK_ID}, {"beleg-nr", LK_ID}, {"nummer", LK_ID},
        {"facture n°", LK_ID}, {"n° de facture", LK_ID},
        {"numéro de facture", LK_ID}, {"numero de facture", LK_ID},
        {"facture", LK_ID}, {"n°", LK_ID}, {"numéro", LK_ID},
        {"factuurnummer", LK_ID}, {"factuurnr", LK_ID},
        {"factuur nr", LK_ID}, {"factuur", LK_ID},
        {"factura n.º", LK_ID}, {"factura nº", LK_ID},
        {"número de factura", LK_ID}, {"n.º factura", LK_ID},
        {"factura", LK_ID}, {"n.º", LK_ID}, {"número", LK_ID},
        {"customer number", LK_ID}, {"customer no", LK_ID},
        {"customer id", LK_ID}, {"customer", LK_ID}, {"account number", LK_ID},
        {"account no", LK_ID}, {"account", LK_ID}, {"client id", LK_ID},
        {"kundennummer", LK_ID}, {"kunden-nr", LK_ID}, {"kundennr", LK_ID},
        {"kunde", LK_ID}, {"n° client", LK_ID}, {"code client", LK_ID},
        {"client", LK_ID}, {"klantnummer", LK_ID}, {"klantnr", LK_ID},
        {"klant", LK_ID}, {"debiteurnummer", LK_ID},
        {"n.º de cliente", LK_ID}, {"código cliente", LK_ID},
        {"cliente", LK_ID}, {"order number", LK_ID}, {"order no", LK_ID},
        {"order id", LK_ID}, {"order", LK_ID}, {"po number", LK_ID},
        {"po no", LK_ID}, {"purchase order", LK_ID}, {"po", LK_ID},
        {"bestellnummer", LK_ID}, {"auftragsnummer", LK_ID},
        {"bestellung", LK_ID}, {"auftrag", LK_ID},
        {"n° de commande", LK_ID}, {"réf. commande", LK_ID},
        {"commande", LK_ID}, {"ordernummer", LK_ID}, {"bestelnummer", LK_ID},
        {"n.º de pedido", LK_ID}, {"pedido", LK_ID}, {"reference", LK_ID},
        {"your reference", LK_ID}, {"our reference", LK_ID}, {"ref", LK_ID},
        {"referenz", LK_ID}, {"ihr zeichen", LK_ID}, {"référence", LK_ID},
        {"referentie", LK_ID}, {"kenmerk", LK_ID}, {"referencia", LK_ID},
        {"booking id", LK_ID}, {"contract no", LK_ID},
        {"vat id", LK_ID}, {"vat number", LK_ID}, {"tax id", LK_ID},
        {"ust-idnr", LK_ID}, {"steuernummer", LK_ID}, {"btw-nummer", LK_ID},
        {"nif", LK_ID}, {"siret", LK_ID}, {"page", LK_ID}, {"seite", LK_ID},
        {"pagina", LK_ID}, {"página", LK_ID},
        {"your social security number", LK_ID},
        {"social security number", LK_ID}, {"ssn", LK_ID},
        {"burgerservicenummer", LK_ID}, {"numéro fiscal", LK_ID},
        /* dates */
        {"invoice date", LK_DATE}, {"date of invoice", LK_DATE},
        {"date of issue", LK_DATE}, {"issue date", LK_DATE},
        {"date", LK_DATE}, {"due date", LK_DATE}, {"date due", LK_DATE},
        {"payment due", LK_DATE}, {"due by", LK_DATE}, {"due", LK_DATE},
        {"order date", LK_DATE}, {"po date", LK_DATE},
        {"delivery date", LK_DATE}, {"ship date", LK_DATE},
        {"service date", LK_DATE}, {"period", LK_DATE},
        {"rechnungsdatum", LK_DATE}, {"belegdatum", LK_DATE},
        {"datum", LK_DATE}, {"fällig am", LK_DATE}, {"fällig", LK_DATE},
        {"zahlbar bis", LK_DATE}, {"fälligkeitsdatum", LK_DATE},
        {"bestelldatum", LK_DATE}, {"auftragsdatum", LK_DATE},
        {"lieferdatum", LK_DATE}, {"leistungsdatum", LK_DATE},
        {"date de facture", LK_DATE}, {"date de facturation", LK_DATE},
        {"date d'émission", LK_DATE}, {"date d'échéance", LK_DATE},
        {"échéance", LK_DATE}, {"date de commande", LK_DATE},
        {"date de livraison", LK_DATE}, {"factuurdatum", LK_DATE},
        {"factuur datum", LK_DATE}, {"vervaldatum", LK_DATE},
        {"orderdatum", LK_DATE}, {"besteldatum", LK_DATE},
        {"leverdatum", LK_DATE}, {"afleverdatum", LK_DATE},
        {"fecha de factura", LK_DATE}, {"fecha factura", LK_DATE},
        {"fecha de emisión", LK_DATE}, {"fecha", LK_DATE},
        {"fecha de vencimiento", LK_DATE}, {"vencimiento", LK_DATE},
        {"fecha de pedido", LK_DATE}, {"fecha pedido", LK_DATE},
        {"fecha de entrega", LK_DATE}, {"check in", LK_DATE},
        {"check out", LK_DATE}, {"veranlagungszeitraum", LK_ID},
        {"tax year", LK_ID}, {"année des revenus", LK_ID},
        {"belastingjaar", LK_ID}, {"ejercicio", LK_ID},
        /* amounts, text, terms */
        {"amount", LK_AMOUNT}, {"total", LK_AMOUNT}, {"amount due", LK_AMOUNT},
        {"betrag", LK_AMOUNT}, {"montant", LK_AMOUNT}, {"bedrag", LK_AMOUNT},
        {"importe", LK_AMOUNT}, {"currency", LK_TEXT}, {"währung", LK_TEXT},
        {"devise", LK_TEXT}, {"valuta", LK_TEXT}, {"moneda", LK_TEXT},
        {"payment terms", LK_TEXT}, {"terms", LK_TEXT},
        {"payment mode", LK_TEXT}, {"payment method", LK_TEXT},
        {"zahlungsbedingungen", LK_TEXT}, {"zahlungsart", LK_TEXT},
        {"conditions de paiement", LK_TEXT}, {"mode de paiement", LK_TEXT},
        {"betalingstermijn", LK_TEXT}, {"betaalwijze", LK_TEXT},
        {"forma de pago", LK_TEXT}, {"bill to", LK_TEXT},
        {"billed to", LK_TEXT}, {"invoice to", LK_TEXT}, {"ship to", LK_TEXT},
        {"sold to", LK_TEXT}, {"deliver to", LK_TEXT}, {"sold by", LK_TEXT},
        {"rechnungsempfänger", LK_TEXT}, {"rechnungsadresse", LK_TEXT},
        {"lieferadresse", LK_TEXT}, {"facturé à", LK_TEXT},
        {"adresse de facturation", LK_TEXT}, {"adresse de livraison", LK_TEXT},
        {"factuuradres", LK_TEXT}, {"afleveradres", LK_TEXT},
        {"gefactureerd aan", LK_TEXT}, {"facturar a", LK_TEXT},
        {"datos del cliente", LK_TEXT}, {"guest name", LK_TEXT},
        {"name", LK_TEXT}, {"address", LK_TEXT}, {"description", LK_TEXT},
        {"hotel details", LK_TEXT}, {"rooms", LK_TEXT},
        /* the header of a table of items */
        {"pos", LK_TEXT}, {"item", LK_TEXT}, {"qty", LK_TEXT},
        {"quantity", LK_TEXT}, {"unit price", LK_TEXT}, {"price", LK_TEXT},
        {"beschreibung", LK_TEXT}, {"bezeichnung", LK_TEXT},
        {"menge", LK_TEXT}, {"einzelpreis", LK_TEXT},
        {"désignation", LK_TEXT}, {"qté", LK_TEXT},
        {"prix unitaire", LK_TEXT}, {"omschrijving", LK_TEXT},
        {"aantal", LK_TEXT}, {"prijs per stuk", LK_TEXT}, {"prijs", LK_TEXT},
        {"descripción", LK_TEXT}, {"cant", LK_TEXT},
        {"precio unitario", LK_TEXT}, {"precio", LK_TEXT},
        /* a person's names, as forms ask for them */
        {"your first name and middle initial", LK_NAME1},
        {"first name and middle initial", LK_NAME1},
        {"first name", LK_NAME1}, {"given name", LK_NAME1},
        {"vorname", LK_NAME1}, {"prénom", LK_NAME1}, {"voornaam", LK_NAME1},
        {"voornamen", LK_NAME1}, {"nombre", LK_NAME1},
        {"last name", LK_NAME2}, {"surname", LK_NAME2},
        {"family name", LK_NAME2}, {"nachname", LK_NAME2},
        {"familienname", LK_NAME2}, {"nom", LK_NAME2},
        {"nom de famille", LK_NAME2}, {"achternaam", LK_NAME2},
        {"apellidos", LK_NAME2}, {"apellido", LK_NAME2},
};
/* clang-format on */

#define BUILTIN_HDR_MAX 12 /* labels of one header row */

/* The longest known label at p (a word start) in f[..end): its end (past
 * a trailing '.', '#' or ':'), with *kind set; 0 if none. */
static size_t label_at(const char *f, size_t p, size_t end, int *kind)
{
        size_t best = 0, k, e;

        for (k = 0; k < G_N_ELEMENTS(known_labels); k++) {
                if (f[p] != known_labels[k].pat[0])
                        continue;
                e = word_at(f, end, p, known_labels[k].pat, 0);
                if (e > best) {
                        best = e;
                        *kind = known_labels[k].kind;
                }
        }
        while (best && best < end &&
               (f[best] == '.' || f[best] == '#' || f[best] == ':'))
                best++;
        return best;
}

/* Is the word f[i..e) about a date ("datum", "fecha", "rechnungsdatum")? */
static int word_datey(const char *f, size_t i, size_t e)
{
        static const char *const ends[] = {"datum", "date", "fecha",
                                           "échéance"};
        size_t k;

        for (k = 0; k < G_N_ELEMENTS(ends); k++) {
                size_t l = strlen(ends[k]);

                if (e - i >= l && memcmp(f + e - l, ends[k], l) == 0)
                        return 1;
        }
        return 0;
}

/* e without the trailing '.', '#', ':' and spaces of a label [at, e). */
static size_t label_end_trim(const char *f, size_t at, size_t e)
{
        while (e > at && strchr(".#: \t", f[e - 1]))
                e--;
        return e;
}

struct hseg {
        size_t at, end;
        int kind;
};

/* Splits line li into labels, if it is nothing else: at its colons when it
 * has two or more and ends with one, else as a run of known labels.
 * Returns their number, or 0 when the line is not a row of labels. */
static int header_split(const struct fctx *c, size_t li, struct hseg *seg)
{
        const char *f = c->f;
        size_t lo = c->lines[li].off, end = line_end(c, li), p, e, w;
        int n = 0, colons = 0, kind;

        for (p = lo; p < end; p++)
                colons += f[p] == ':';
        if (colons >= 2 && f[end - 1] == ':') {
                for (p = lo; p < end && n < BUILTIN_HDR_MAX;) {
                        p = skip_blank(f, p, end);
                        e = p;
                        while (e < end && f[e] != ':')
                                e++;
                        /* A label has no figures and few words. */
                        if (e == p || has_digit(f, p, e) ||
                            count_words(f + p, e - p) > 5)
                                return 0;
                        seg[n].at = p;
                        seg[n].end = e;
                        seg[n].kind = LK_TEXT;
                        if (label_at(f, p, e + 1, &kind) == e + 1)
                                seg[n].kind = kind;
                        else
                                for (w = p; w < e; w++)
                                        if (is_wordc((unsigned char)f[w]) &&
                                            (w + 1 == e ||
                                             !is_wordc((
                                                     unsigned char)f[w + 1])) &&
                                            word_datey(f, p, w + 1))
                                                seg[n].kind = LK_DATE;
                        n++;
                        p = e + 1;
                }
                return p >= end ? n : 0;
        }
        for (p = lo; p < end;) {
                while (p < end && strchr(" \t:|/-", f[p]))
                        p++;
                if (p == end)
                        break;
                if (n == BUILTIN_HDR_MAX)
                        return 0;
                e = label_at(f, p, end, &kind);
                if (!e) {
                        /* An unknown qualifier of a date ("Uiterste
                         * betaaldatum", "Zahlungsdatum"): one date
                         * label. */
                        for (e = p; e < end && is_wordc((unsigned char)f[e]);)
                                e++;
                        w = skip_blank(f, e, end);
                        if (!word_datey(f, p, e)) {
                                for (e = w;
                                     e < end && is_wordc((unsigned char)f[e]);)
                                        e++;
                                if (e == w || !word_datey(f, w, e))
                                        return 0;
                        }
                        while (e < end && strchr(".:#", f[e]))
                                e++;
                        kind = LK_DATE;
                }
                seg[n].at = p;
                seg[n].end = e;
                seg[n++].kind = kind;
                p = e;
        }
        return n;
}

struct hitem {
        size_t at, end;
        int date;
};

/* The items of a row of values: dates (which may hold spaces) and words
 * between white space. Returns their number, 0 if too many, or if the
 * line looks like more labels. */
static int value_items(const struct fctx *c, size_t li, struct hitem *it)
{
        const char *f = c->f;
        size_t lo = c->lines[li].off, end = line_end(c, li), p;
        int n = 0, y, m, d;

        /* Not labels again, nor labels with their values. */
        if (f[end - 1] == ':' || memmem(f + lo, end - lo, ": ", 2))
                return 0;
        for (p = lo; p < end;) {
                size_t e;

                p = skip_blank(f, p, end);
                if (p == end)
                        break;
                if (n == BUILTIN_HDR_MAX)
                        return 0;
                e = date_at(c, p, end, &y, &m, &d);
                it[n].date = e != 0;
                if (!e)
                        for (e = p; e < end && f[e] != ' ' && f[e] != '\t';)
                                e++;
                it[n].at = p;
                it[n++].end = e;
                p = e;
        }
        return n;
}

/* The item of value row li + 1 under the label that starts at at in row
 * li, if li is a row of labels and the two rows line up: item for label,
 * position for position, when both have as many; else dates for date
 * labels and the rest for the rest, when those counts agree. Sets
 * [*vat, *vend) and returns 1, or returns 0. */
static int header_item(const struct fctx *c, size_t li, size_t at, size_t lend,
                       int exact, size_t *vat, size_t *vend)
{
        struct hseg seg[BUILTIN_HDR_MAX];
        struct hitem it[BUILTIN_HDR_MAX];
        int ns, ni, idx = -1, k, pick = -1;

        if (li + 1 >= c->lines_n)
                return 0;
        ns = header_split(c, li, seg);
        if (ns < 2)
                return 0;
        for (k = 0; k < ns; k++)
                if (at >= seg[k].at && at < seg[k].end)
                        idx = k;
        /* exact: the label must be the whole of its column's label. */
        if (idx >= 0 && exact &&
            (seg[idx].at != at ||
             label_end_trim(c->f, seg[idx].at, seg[idx].end) != lend))
                idx = -1;
        ni = idx < 0 ? 0 : value_items(c, li + 1, it);
        if (ni <= 0)
                return 0;
        if (ni == ns) {
                pick = idx;
        } else {
                int want = seg[idx].kind == LK_DATE;
                int before = 0, nsk = 0, nik = 0;

                for (k = 0; k < ns; k++) {
                        if ((seg[k].kind == LK_DATE) != want)
                                continue;
                        before += k < idx;
                        nsk++;
                }
                for (k = 0; k < ni; k++) {
                        if (it[k].date != want)
                                continue;
                        if (nik == before)
                                pick = k;
                        nik++;
                }
                if (nsk != nik)
                        pick = -1;
        }
        if (pick < 0 || (seg[idx].kind == LK_DATE) != it[pick].date)
                return 0;
        *vat = it[pick].at;
        *vend = it[pick].end;
        return 1;
}

/* Where a known label followed by ':' starts in f[i..end), after i: a
 * value that runs into the next column ends there. end if none. */
static size_t label_cut(const char *f, size_t i, size_t end)
{
        size_t p, e;
        int kind;

        for (p = i + 1; p < end; p++) {
                if (f[p - 1] != ' ' || !is_wordc((unsigned char)f[p]))
                        continue;
                e = label_at(f, p, end, &kind);
                if (!e)
                        continue;
                /* "Date: ...", a label and its number ("Invoice No.
                 * 2022/117", "AUFTRAGSDATUM 30. Dezember"), a label of
                 * two words ("Payment terms Net 30"), or labels in a row
                 * ("Pos. Beschreibung Menge"). */
                if (f[e - 1] == ':' ||
                    (e + 1 < end && f[e] == ' ' &&
                     is_digit((unsigned char)f[e + 1])) ||
                    memchr(f + p, ' ', label_end_trim(f, p, e) - p) ||
                    (e + 1 < end && f[e] == ' ' &&
                     label_at(f, e + 1, end, &kind)))
                        return p;
        }
        return end;
}

/* Where a name that starts at i ends in f[..end): before the next column's
 * label, or before a number standing alone ("Anna Smith 8 Rents"). */
static size_t name_end(const char *f, size_t i, size_t end)
{
        size_t e = label_cut(f, i, end), p, q;

        for (p = i + 1; p < e; p++) {
                if (f[p - 1] != ' ' || !is_digit((unsigned char)f[p]))
                        continue;
                for (q = p; q < e && is_digit((unsigned char)f[q]); q++)
                        ;
                if (q == e || f[q] == ' ')
                        return p - 1;
        }
        return e;
}

/* Does a known label start at i (so that what follows a label is another
 * label, not its value)? */
static int label_starts(const char *f, size_t i, size_t end)
{
        int kind;
        size_t e = label_at(f, i, end, &kind);

        return e && (e == end || f[e - 1] == ':' || f[e] == ' ');
}

/* Is there a number in f[i..e) that is neither a date nor a year (the
 * figure of another row, "IFRS 9" aside)? */
static int figure_between(const struct fctx *c, size_t i, size_t e)
{
        size_t j = i, n;
        int y, m, d, v;

        while (j < e) {
                if (!is_digit((unsigned char)c->f[j]) ||
                    !token_start(c->f, j, i)) {
                        j++;
                        continue;
                }
                n = date_at(c, j, e, &y, &m, &d);
                if (n) {
                        j = n;
                        continue;
                }
                n = digits_at(c->f, j, e, &v);
                if (n == 4 && v >= 1900 && v <= 2100 &&
                    date_tail_ok(c->f, j + 4, e)) {
                        j += 4;
                        continue;
                }
                return 1;
        }
        return 0;
}

/* The value of kind r->kind right after a label (at i, line ends at end).
 * *none is set when nothing at all follows the label on its line. */
static int value_after(const struct fctx *c, const struct rule *r, size_t i,
                       size_t end, struct value *v, int *none)
{
        struct amount a;
        size_t j, k, e;
        int y, m, d, stopped = 0;

        *none = 0;
        switch (r->kind) {
        case V_AMOUNT:
                for (k = i; k < end && !is_digit((unsigned char)c->f[k]); k++)
                        ;
                /* "Tax 15% on $ 112.90" voids this line; the tax may be
                 * on the next. */
                if (!amount_in(c, i, end, r->ints, r->stop, &a, &stopped)) {
                        /* Nothing after the label but its date: "New
                         * balance on 31.05.2024", the amount below. */
                        j = skip_fill(c->f, i, end, fill_date);
                        e = date_at(c, j, end, &y, &m, &d);
                        if (e)
                                k = skip_blank(c->f, e, end);
                        *none = k == end || stopped;
                        return 0;
                }
                /* A report's figure stands right after its label, in
                 * its table row, or a few words further in a sentence
                 * that gives it; one further on is prose ("... revenue
                 * of 5.1 percent under IFRS 9"). */
                if (r->exact) {
                        size_t words = 0;

                        /* Words, not numbers: "Revenue for the second
                         * quarter of 2024 was USD 860,149,934". */
                        for (k = i; k < a.start; k++)
                                words +=
                                        is_alpha((unsigned char)c->f[k]) &&
                                        (k == i ||
                                         !is_wordc((unsigned char)c->f[k - 1]));
                        /* Right after the label, a table row's figure
                         * ("Net income 512 430", in millions); after a
                         * few words, one that looks like money, not the
                         * 9 of "under IFRS 9". */
                        /* ... and it is the first figure after it: a
                         * later one is another row's. */
                        if (words > (r->exact == 1 ? 8u : 12u) ||
                            figure_between(c, i, a.start) ||
                            (words > 0 && ((a.scale && r->exact == 1) ||
                                           (!a.dec && !a.grouped && !a.cur &&
                                            !a.scale && strlen(a.val) < 7))))
                                return 0;
                }
                snprintf(v->str, sizeof(v->str), "%s", a.val);
                v->cur = a.cur;
                v->scaled = a.scale != 0;
                return 1;
        case V_DATE:
                j = skip_fill(c->f, i, end, fill_date);
                *none = j == end;
                e = date_at(c, j, end, &y, &m, &d);
                if (!e && r->idskip && j < end) {
                        /* "Facture n° 562044387 du 02 juillet 2015",
                         * "Rechnung Nr. RE-117 vom 12.03.2024" */
                        size_t q = skip_fill(c->f, j, end, fill_id);

                        for (k = q; k < end && c->f[k] != ' '; k++)
                                ;
                        if (has_digit(c->f, q, k))
                                e = date_at(c,
                                            skip_fill(c->f, k, end, fill_date),
                                            end, &y, &m, &d);
                }
                if (!e)
                        return 0;
                snprintf(v->str, sizeof(v->str), "%04d-%02d-%02d", y, m, d);
                return 1;
        case V_ID:
                j = skip_fill(c->f, i, end, fill_id);
                *none = j == end;
                return id_at(c, j, end, v->str, sizeof(v->str));
        case V_TEXT:
                j = skip_fill(c->f, i, end, fill_text);
                /* Another column's label: the value is below. */
                *none = j == end || label_starts(c->f, j, end);
                if (*none)
                        return 0;
                return text_at(c, j, name_end(c->f, j, end), v->str,
                               sizeof(v->str));
        case V_YEAR:
                if (!year_in(c, i, end, &y))
                        return 0;
                snprintf(v->str, sizeof(v->str), "%04d", y);
                return 1;
        }
        return 0;
}

static int has_wordc_before(const char *f, size_t lo, size_t at)
{
        for (; lo < at; lo++)
                if (is_wordc((unsigned char)f[lo]))
                        return 1;
        return 0;
}

/* Small words of names that are not capitalized: "van", "de", "&". */
static const char *const name_particles[] = {
        "van", "von", "der", "den", "de", "du",  "des", "la", "le",
        "y",   "&",   "and", "und", "et", "del", "di",  "da", NULL};

/* A name that ends line [lo, end): the run of capitalized words (and
 * particles, legal forms) before the end, two words at least, starting
 * with a capital. */
static int name_suffix(const struct fctx *c, size_t lo, size_t end, char *out,
                       size_t cap)
{
        const char *f = c->f;
        const unsigned char *s = (const unsigned char *)c->s;
        size_t p = end, start = end, w;
        int words = 0;

        while (p > lo) {
                while (p > lo && f[p - 1] == ' ')
                        p--;
                w = p;
                while (w > lo && f[w - 1] != ' ')
                        w--;
                if (w == p)
                        break;
                if (has_digit(f, w, p) || !(is_upper(s[w]) || s[w] >= 0xC0 ||
                                            word_in(f, w, p, name_particles) ||
                                            is_legal_form(c, w, p)))
                        break;
                start = w;
                words++;
                p = w;
        }
        /* A particle or a legal form does not start a name. */
        while (start < end && words > 0) {
                for (w = start; w < end && f[w] != ' '; w++)
                        ;
                if (is_upper(s[start]) && !is_legal_form(c, start, w))
                        break;
                if (!word_in(f, start, w, name_particles) &&
                    !is_legal_form(c, start, w))
                        break;
                start = skip_blank(f, w, end);
                words--;
        }
        return words >= 2 && text_at(c, start, end, out, cap) &&
               strlen(out) == end - start;
}

/* The value of kind r->kind as the whole of the line after label line li
 * (a label alone on its line, its value on the next). An amount there
 * needs a currency, on it or right after the label ([at, reach), "Total
 * (EUR)"): a bare number under a "Total" column header is the first row,
 * not the total. */
static int value_line(const struct fctx *c, const struct rule *r, size_t li,
                      size_t vl, size_t at, size_t lend, size_t reach,
                      struct value *v)
{
        static const char *const labelish[] = {
                "address",       "adresse", "adres",      "afleveradres",
                "lieferadresse", "ship to", "deliver to", "date",
                "datum",         NULL};
        size_t lo = c->lines[vl].off, end = line_end(c, vl), e, k;
        const char *const *p;
        const char *lcur = NULL;
        struct amount a;
        int y, m, d;

        switch (r->kind) {
        case V_AMOUNT:
                for (k = at; k < reach && !lcur; k++)
                        lcur = cur_at(c, k, reach, &e);
                if (!amount_line(c, vl, &a) || !(a.cur || lcur))
                        return 0;
                snprintf(v->str, sizeof(v->str), "%s", a.val);
                v->cur = a.cur ? a.cur : lcur;
                v->scaled = a.scale != 0;
                return 1;
        case V_DATE:
                e = date_at(c, lo, end, &y, &m, &d);
                if (!e || skip_blank(c->f, e, end) != end)
                        return 0;
                snprintf(v->str, sizeof(v->str), "%04d-%02d-%02d", y, m, d);
                return 1;
        case V_ID:
                lo = skip_fill(c->f, lo, end, fill_id);
                return id_at(c, lo, end, v->str, sizeof(v->str)) &&
                       strlen(v->str) == end - lo;
        case V_TEXT:
                /* A label that ends a line it shares with another column
                 * is the right-hand column: its value ends the next line
                 * ("Date: 12.03.2024 Bill to:" / "Terms: 30 days Acme
                 * Ltd"). */
                if (skip_fill(c->f, lend, line_end(c, li), fill_text) ==
                            line_end(c, li) &&
                    has_wordc_before(c->f, c->lines[li].off, at))
                        return name_suffix(c, lo, end, v->str, sizeof(v->str));
                /* Another label ("Ship To:") is not a value. */
                if (c->f[end - 1] == ':' || label_starts(c->f, lo, end))
                        return 0;
                end = name_end(c->f, lo, end);
                while (end > lo && c->f[end - 1] == ' ')
                        end--;
                for (p = labelish; *p; p++)
                        if (ctx_find(c, end, lo, *p, 1, &e, &k))
                                return 0;
                lo = skip_fill(c->f, lo, end, fill_text);
                if (lo < end && is_digit((unsigned char)c->f[lo]))
                        return 0; /* a row of a table, an address */
                /* One word alone under a label is as likely another
                 * label ("Klant" / "Order") as a name. */
                return lo < end && memchr(c->f + lo, ' ', end - lo) &&
                       text_at(c, lo, end, v->str, sizeof(v->str));
        case V_YEAR:
                return 0;
        }
        return 0;
}

/* The value of kind r->kind that is exactly f[i..e) (an item of a row of
 * values). */
static int value_item(const struct fctx *c, const struct rule *r, size_t i,
                      size_t e, struct value *v)
{
        struct amount a;
        int y, m, d;

        switch (r->kind) {
        case V_DATE:
                if (date_at(c, i, e, &y, &m, &d) != e)
                        return 0;
                snprintf(v->str, sizeof(v->str), "%04d-%02d-%02d", y, m, d);
                return 1;
        case V_ID:
                return id_at(c, i, e, v->str, sizeof(v->str));
        case V_AMOUNT:
                if (!amount_at(c, i, i, e, &a) || a.end != e)
                        return 0;
                snprintf(v->str, sizeof(v->str), "%s", a.val);
                v->cur = a.cur;
                return 1;
        case V_TEXT:
                return text_at(c, i, e, v->str, sizeof(v->str));
        case V_YEAR:
                if (e - i != 4 || digits_at(c->f, i, e, &y) != 4 || y < 1900 ||
                    y > 2100)
                        return 0;
                snprintf(v->str, sizeof(v->str), "%04d", y);
                return 1;
        }
        return 0;
}

/* May lab occur as a whole word in line li? Searching line by line reads
 * every line once per label, though most labels occur on few lines or
 * none: one search of the window finds the next line worth reading. A
 * label within a line is one in the window too (lines end at white
 * space), so no line that holds it is passed over. *next is where the
 * next occurrence in the window starts at the earliest (SIZE_MAX: there
 * is none); start with 0 and ask for lines in order. */
static int line_may_hold(const struct fctx *c, size_t li, const char *lab,
                         size_t *next)
{
        size_t lo = c->lines[li].off, end;

        if (*next == SIZE_MAX)
                return 0;
        if (*next < lo && !ctx_find(c, c->n, lo, lab, 0, next, &end)) {
                *next = SIZE_MAX;
                return 0;
        }
        return *next < line_end(c, li);
}

/* Finds the value of a field: for each label in order, its first (or
 * last) occurrence that has a value on the same line, or that ends its
 * line with the value on the next. The next line holds the value when
 * nothing but separators follows the label, or (amounts, dates) when the
 * line ends in ':' ("TVA 20% :"); it is tried once per line. */
static int rule_find(const struct fctx *c, const struct rule *r,
                     struct value *v)
{
        const char *const *lab;
        struct value tmp;
        size_t li, from, at, end, reach, nat, nend, nreach, vat, vend;
        int found = 0, none = 0, next, excluded;

        for (lab = r->labels; *lab; lab++) {
                size_t maybe = 0;

                for (li = 0; li < c->lines_n; li++) {
                        size_t lo = c->lines[li].off, le = line_end(c, li);
                        int here = 0;

                        if (!line_may_hold(c, li, *lab, &maybe))
                                continue;
                        next = 0;
                        nat = nend = nreach = lo;
                        from = lo;
                        while (!here &&
                               ctx_find(c, le, from, *lab, 0, &at, &end)) {
                                from = end;
                                excluded = word_before_in(c->f, lo, at,
                                                          r->not_before) ||
                                           word_after_in(c->f, end, le,
                                                         r->not_after);
                                memset(&tmp, 0, sizeof(tmp));
                                reach = le - end > BUILTIN_VALUE_REACH
                                                ? end + BUILTIN_VALUE_REACH
                                                : le;
                                here = !excluded &&
                                       value_after(c, r, end, reach, &tmp,
                                                   &none);
                                /* A row of labels over a row of values:
                                 * there, what stands next to a label is
                                 * the next column's label ("Issue date
                                 * Due date"), unless it is part of it. */
                                if (!here &&
                                    header_item(c, li, at, end, excluded, &vat,
                                                &vend)) {
                                        memset(&tmp, 0, sizeof(tmp));
                                        here = value_item(c, r, vat, vend,
                                                          &tmp);
                                }
                                if (excluded)
                                        continue;
                                if (!here && !next &&
                                    (none || ((r->kind == V_AMOUNT ||
                                               r->kind == V_DATE) &&
                                              c->f[le - 1] == ':'))) {
                                        next = 1;
                                        nat = at;
                                        nend = end;
                                        nreach = reach;
                                }
                        }
                        if (!here && next && li + 1 < c->lines_n) {
                                memset(&tmp, 0, sizeof(tmp));
                                here = value_line(c, r, li, li + 1, nat, nend,
                                                  nreach, &tmp);
                                /* A name under a label, with another
                                 * column's label line in between. */
                                if (!here && r->kind == V_TEXT &&
                                    li + 2 < c->lines_n &&
                                    (label_starts(c->f, c->lines[li + 1].off,
                                                  line_end(c, li + 1)) ||
                                     line_is_row(c->f, c->lines[li + 1].off,
                                                 line_end(c, li + 1))))
                                        here = value_line(c, r, li, li + 2, nat,
                                                          nend, nreach, &tmp);
                        }
                        if (!here)
                                continue;
                        tmp.line = li;
                        *v = tmp;
                        found = 1;
                        if (!r->last)
                                return 1;
                }
                if (found)
                        return 1;
        }
        return 0;
}

/* ---- fields: names, IBANs, currencies -------------------------------- */

/* A company name in line li: in a column of the line (columns split at
 * gaps of two spaces or a tab, and at " · ", " | ", " - "), the words up
 * to and including a legal form. A label ("From:") starts a new column. */
static int company_in_line(const struct fctx *c, size_t li, char *out,
                           size_t cap)
{
        const char *f = c->f;
        size_t i = c->lines[li].off, end = line_end(c, li);
        size_t seg = i, words = 0;

        while (i < end) {
                size_t e = i;

                if (f[i] == '\t' ||
                    (f[i] == ' ' && i + 1 < end && f[i + 1] == ' ')) {
                        i = skip_blank(f, i, end);
                        seg = i, words = 0; /* a column gap */
                        continue;
                }
                if (f[i] == ' ' || f[i] == ',') {
                        i++;
                        continue;
                }
                while (e < end && f[e] != ' ' && f[e] != '\t' && f[e] != ',')
                        e++;
                if ((e - i == 1 && (f[i] == '-' || f[i] == '|')) ||
                    (e - i == 2 && memcmp(f + i, "\xc2\xb7", 2) == 0) ||
                    f[e - 1] == ':')
                        seg = e, words = 0; /* a separator or a label */
                else if (words > 0 && is_legal_form(c, i, e) &&
                         text_at(c, skip_blank(f, seg, end), e, out, cap))
                        return 1;
                else
                        words++;
                i = e;
        }
        return 0;
}

static int iban_ok(const char *b, size_t len)
{
        unsigned r = 0;
        size_t i;

        for (i = 0; i < len; i++) {
                char ch = b[(i + 4) % len];

                if (is_digit((unsigned char)ch))
                        r = (r * 10 + (unsigned)(ch - '0')) % 97;
                else
                        r = (r * 100 + (unsigned)(ch - 'A' + 10)) % 97;
        }
        return r == 1;
}

/* The first IBAN (country, check digits, 11-30 more, spaces allowed
 * between groups) whose mod-97 check holds; length per country where
 * known. */
static int iban_find(const struct fctx *c, char out[35])
{
        /* clang-format off */
        static const struct {
                char cc[3];
                size_t len;
        } lens[] = {
                {"DE", 22}, {"NL", 18}, {"FR", 27}, {"GB", 22}, {"BE", 16},
                {"ES", 24}, {"AT", 20}, {"CH", 21}, {"IT", 27}, {"LU", 20},
                {"IE", 22}, {"PT", 25}, {"PL", 28}, {"DK", 18}, {"SE", 24},
                {"NO", 15}, {"FI", 18},
        };
        /* clang-format on */
        const unsigned char *s = (const unsigned char *)c->s;
        char b[35];
        size_t i, j, k, want, l, t;

        for (i = 0; i + 15 < c->n; i++) {
                if (!is_upper(s[i]) || !is_upper(s[i + 1]) ||
                    !is_digit(s[i + 2]) || !is_digit(s[i + 3]) ||
                    (i > 0 && is_wordc(s[i - 1])))
                        continue;
                for (j = i, k = 0; j < c->n && k < 34;) {
                        if (is_digit(s[j]) || is_upper(s[j]))
                                b[k++] = (char)s[j++];
                        else if (s[j] == ' ' && j + 1 < c->n &&
                                 (is_digit(s[j + 1]) || is_upper(s[j + 1])))
                                j++;
                        else
                                break;
                }
                want = 0;
                for (t = 0; t < G_N_ELEMENTS(lens); t++)
                        if (memcmp(lens[t].cc, s + i, 2) == 0)
                                want = lens[t].len;
                for (l = want ? want : k; l >= 15 && l <= k; l--) {
                        if (iban_ok(b, l)) {
                                memcpy(out, b, l);
                                out[l] = '\0';
                                return 1;
                        }
                        if (want)
                                break;
                }
        }
        return 0;
}

/* The currency named most often (symbols and codes); NULL if none. */
static const char *currency_main(const struct fctx *c)
{
        size_t count[G_N_ELEMENTS(cur_codes)], i, e, k, best = 0;
        unsigned char first[256] = {0};

        /* cur_at compares a dozen symbols wherever it is asked, and this
         * reads every byte: ask it only where a currency may start, at
         * the first byte of a symbol or a code, or at "euro" (folded). */
        for (k = 0; k < G_N_ELEMENTS(cur_syms); k++)
                first[(unsigned char)cur_syms[k].sym[0]] = 1;
        for (k = 0; cur_codes[k]; k++)
                first[(unsigned char)cur_codes[k][0]] = 1;
        memset(count, 0, sizeof(count));
        for (i = 0; i < c->n;) {
                const char *code = NULL;

                unsigned char ch = (unsigned char)c->s[i];
                int cand;

                /* Capitals start most words of a text: only three of them,
                 * a '$' ("US$", "C$") or "Rs" may be a currency. */
                if (is_upper(ch))
                        cand = i + 2 < c->n &&
                               ((is_upper((unsigned char)c->s[i + 1]) &&
                                 (is_upper((unsigned char)c->s[i + 2]) ||
                                  c->s[i + 2] == '$')) ||
                                c->s[i + 1] == '$' ||
                                (ch == 'R' && c->s[i + 1] == 's'));
                else
                        cand = first[ch] || (c->f[i] == 'e' && i + 1 < c->n &&
                                             c->f[i + 1] == 'u');
                if (cand)
                        code = cur_at(c, i, c->n, &e);
                if (!code) {
                        i++;
                        continue;
                }
                for (k = 0; cur_codes[k]; k++)
                        if (strcmp(cur_codes[k], code) == 0)
                                count[k]++;
                i = e;
        }
        for (k = 1; cur_codes[k]; k++)
                if (count[k] > count[best])
                        best = k;
        return count[best] ? cur_codes[best] : NULL;
}

/* ---- fields: per class ----------------------------------------------- */

static void set_str(json_t *o, const char *key, const char *val)
{
        if (val && val[0] && utf8_valid(val, strlen(val)))
                json_object_set_new(o, key, json_string(val));
}

static int find_set(json_t *o, const char *key, const struct fctx *c,
                    const struct rule *r, struct value *v)
{
        struct value tmp;

        if (!v)
                v = &tmp;
        if (!rule_find(c, r, v))
                return 0;
        set_str(o, key, v->str);
        return 1;
}

/* Report tables are often "in millions": a scale stated once. */
static int report_unit(const struct fctx *c)
{
        /* clang-format off */
        static const struct {
                const char *pat;
                int p;
        } units[] = {
                {"in thousands", 3}, {"in millions", 6}, {"in billions", 9},
                {"(thousands", 3}, {"(millions", 6}, {"in tsd", 3},
                {"in tausend", 3}, {"in mio", 6}, {"in millionen", 6},
                {"en milliers", 3}, {"en millions", 6}, {"in duizenden", 3},
                {"in miljoenen", 6}, {"in € million", 6}, {"in eur million", 6},
                {"in usd million", 6}, {"in $ million", 6},
                {"in € thousand", 3},
        };
        /* clang-format on */
        unsigned char first[256] = {0}; /* bytes a unit starts with */
        size_t i, k;

        /* The first one in the text (the first in the table where two
         * start at the same place): one pass, trying them all where one
         * may start, rather than a search of the whole text for each. */
        for (k = 0; k < G_N_ELEMENTS(units); k++)
                first[(unsigned char)units[k].pat[0]] = 1;
        for (i = 0; i < c->n; i++) {
                if (!first[(unsigned char)c->f[i]] ||
                    (i > 0 && is_wordc((unsigned char)c->f[i]) &&
                     is_wordc((unsigned char)c->f[i - 1])))
                        continue; /* no unit starts inside a word */
                for (k = 0; k < G_N_ELEMENTS(units); k++)
                        if (c->f[i] == units[k].pat[0] &&
                            may_start(c->f, c->n, i, units[k].pat) &&
                            word_at(c->f, c->n, i, units[k].pat, 1))
                                return units[k].p;
        }
        return 0;
}

static const char *const total_labels[] = {"amount due",
                                           "total due",
                                           "balance due",
                                           "grand total",
                                           "total amount due",
                                           "amount payable",
                                           "total payable",
                                           "invoice total",
                                           "total amount",
                                           "invoice amount",
                                           "gesamtbetrag",
                                           "gesamtsumme",
                                           "rechnungssumme",
                                           "bruttobetrag",
                                           "rechnungsbetrag",
                                           "endbetrag",
                                           "zu zahlen",
                                           "zahlbetrag",
                                           "total ttc",
                                           "montant ttc",
                                           "net à payer",
                                           "total à payer",
                                           "somme à payer",
                                           "montant total",
                                           "totaalbedrag",
                                           "factuurbedrag",
                                           "te betalen",
                                           "total a pagar",
                                           "importe total",
                                           "total factura",
                                           "total",
                                           "summe",
                                           "gesamt",
                                           "totaal",
                                           NULL};
static const char *const total_not_before[] = {
        "sub", "sous", "zwischen", "vat", "tax", "mwst", "btw",
        "tva", "net",  "netto",    "iva", "ust", NULL};
static const char *const total_not_after[] = {
        "ht",      "excl",  "excluding", "exclusive", "exkl",
        "netto",   "net",   "before",    "vat",       "tax",
        "mwst",    "btw",   "tva",       "iva",       "ust",
        "hors",    "items", "qty",       "quantity",  "discount",
        "savings", "pages", "weight",    "exclusief", NULL};
static const struct rule r_total = {V_AMOUNT,
                                    total_labels,
                                    total_not_before,
                                    total_not_after,
                                    NULL,
                                    1,
                                    0,
                                    0,
                                    0};

static const char *const subtotal_labels[] = {
        "subtotal",       "sub-total",    "sub total",
        "net amount",     "total net",    "total excl",
        "zwischensumme",  "nettobetrag",  "summe netto",
        "gesamt netto",   "sous-total",   "total ht",
        "montant ht",     "subtotaal",    "totaal excl",
        "base imponible", "netto bedrag", "nettobedrag",
        "importe neto",   "nettosumme",   NULL};
static const struct rule r_subtotal = {
        V_AMOUNT, subtotal_labels, NULL, NULL, NULL, 1, 0, 0, 0};

static const char *const tax_labels[] = {
        "total vat",    "total tax",   "vat amount",
        "tax amount",   "sales tax",   "mehrwertsteuer",
        "umsatzsteuer", "montant tva", "btw bedrag",
        "vat",          "tax",         "mwst",
        "ust",          "tva",         "btw",
        "iva",          NULL};
static const char *const tax_not_before[] = {
        "incl",      "including", "inkl",   "zzgl",  "plus", "total",
        "excl",      "excluding", "exkl",   "hors",  "ttc",  "ht",
        "inclusief", "exclusief", "before", "after", "of",   "no",
        "without",   "ohne",      "sans",   NULL};
static const char *const tax_not_after[] = {"id",
                                            "no",
                                            "nr",
                                            "number",
                                            "reg",
                                            "registration",
                                            "code",
                                            "rate",
                                            "exempt",
                                            "included",
                                            "incl",
                                            "idnr",
                                            "identification",
                                            "nummer",
                                            "numéro",
                                            "ref",
                                            "total",
                                            NULL};
/* "Tax 15% on $ 112.90": the base, not the tax. */
static const char *const tax_stop[] = {"on",    "of",        "auf", "sur",
                                       "over",  "from",      "von", "base",
                                       "basis", "grondslag", NULL};
static const struct rule r_tax = {
        V_AMOUNT, tax_labels, tax_not_before, tax_not_after, tax_stop, 1, 0,
        0,        0};

static const char *const invno_labels[] = {"invoice number",
                                           "invoice no",
                                           "invoice nr",
                                           "invoice #",
                                           "invoice id",
                                           "rechnungsnummer",
                                           "rechnungsnr",
                                           "rechnungs-nr",
                                           "rechnung nr",
                                           "n° de facture",
                                           "no de facture",
                                           "numéro de facture",
                                           "numero de facture",
                                           "facture n°",
                                           "factuurnummer",
                                           "factuurnr",
                                           "factuur nr",
                                           "número de factura",
                                           "numero de factura",
                                           "belegnummer",
                                           "invoice",
                                           "rechnung",
                                           "facture",
                                           "factuur",
                                           "factura",
                                           "number",
                                           "nummer",
                                           "numéro",
                                           "número",
                                           NULL};
/* "Number: 117" is the invoice's, "Customer number: 42" is not. */
static const char *const invno_not_before[] = {
        "customer", "client", "account",      "order",     "po",       "vat",
        "tax",      "phone",  "tel",          "fax",       "iban",     "kunden",
        "klant",    "bestel", "order",        "auftrag",   "commande", "pedido",
        "cliente",  "kvk",    "registration", "company",   "steuer",   "btw",
        "tva",      "iva",    "contract",     "reference", "serial",   "ust",
        "siret",    "siren",  "booking",      "dossier",   "de",       "del",
        NULL};
static const struct rule r_invno = {
        V_ID, invno_labels, invno_not_before, NULL, NULL, 0, 0, 0, 0};

static const char *const issue_labels[] = {"invoice date",
                                           "date of invoice",
                                           "date of issue",
                                           "issue date",
                                           "issued on",
                                           "billing date",
                                           "rechnungsdatum",
                                           "belegdatum",
                                           "ausstellungsdatum",
                                           "date de facture",
                                           "date de facturation",
                                           "date d'émission",
                                           "factuurdatum",
                                           "factuur datum",
                                           "fecha de factura",
                                           "fecha factura",
                                           "fecha de emisión",
                                           "date",
                                           "datum",
                                           "fecha",
                                           "invoice",
                                           "rechnung",
                                           "facture",
                                           "factuur",
                                           "factura",
                                           NULL};
static const char *const date_not_before[] = {
        "due",     "delivery", "order",    "ship",      "shipping", "service",
        "payment", "value",    "expiry",   "start",     "end",      "birth",
        "print",   "printed",  "contract", "effective", NULL};
static const char *const date_not_after[] = {
        "d'échéance", "de livraison", "limite",      "de paiement",
        "due",        "d'expédition", "de commande", "de vencimiento",
        "of birth",   "de",           NULL};
static const struct rule r_issue = {
        V_DATE, issue_labels, date_not_before, date_not_after, NULL, 0, 0, 1,
        0};

static const char *const due_labels[] = {"due date",
                                         "payment due",
                                         "date due",
                                         "due by",
                                         "due on",
                                         "pay by",
                                         "payable by",
                                         "fälligkeitsdatum",
                                         "fällig am",
                                         "fällig bis",
                                         "zahlbar bis",
                                         "date d'échéance",
                                         "échéance",
                                         "date limite de paiement",
                                         "à payer avant le",
                                         "à régler avant le",
                                         "régler avant le",
                                         "payable avant le",
                                         "vervaldatum",
                                         "vervaldag",
                                         "te betalen voor",
                                         "fecha de vencimiento",
                                         "vencimiento",
                                         "pagar antes del",
                                         "pagadero antes del",
                                         "zu zahlen bis",
                                         NULL};
static const struct rule r_due = {V_DATE, due_labels, NULL, NULL, NULL,
                                  0,      0,          0,    0};

static const char *const customer_labels[] = {"bill to",
                                              "billed to",
                                              "invoice to",
                                              "sold to",
                                              "rechnungsempfänger",
                                              "rechnungsadresse",
                                              "facturé à",
                                              "facturer à",
                                              "adresse de facturation",
                                              "factuuradres",
                                              "gefactureerd aan",
                                              "factureren aan",
                                              "facturar a",
                                              "customer",
                                              "client",
                                              "kunde",
                                              "klant",
                                              "cliente",
                                              NULL};
static const char *const customer_not_after[] = {
        "no",     "nr",    "number", "id",        "nummer",  "numéro",
        "numero", "code",  "ref",    "reference", "account", "service",
        "care",   "since", "vat",    "tax",       "portal",  NULL};
static const struct rule r_customer = {
        V_TEXT, customer_labels, NULL, customer_not_after, NULL, 0, 0, 0, 0};

/* Days since 1970-01-01 of a civil date, and back (H. Hinnant). */
static long days_from_civil(int y, int m, int d)
{
        long era, yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
        long era, doe, yoe, doy, mp;

        z += 719468;
        era = (z >= 0 ? z : z - 146096) / 146097;
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        *d = (int)(doy - (153 * mp + 2) / 5 + 1);
        *m = (int)(mp < 10 ? mp + 3 : mp - 9);
        *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* "payable within 30 days", "Zahlungsziel 14 Tage", "net 30": the number
 * of days the payment terms give, or 0. Only near a word about paying, so
 * that "returns within 30 days" does not count. */
static int payment_days(const struct fctx *c)
{
        /* clang-format off */
        static const struct {
                const char *pre, *post;
        } terms[] = {
                {"within", "days"}, {"net", NULL}, {"innerhalb von", "tagen"},
                {"innerhalb", "tagen"}, {"zahlungsziel", "tage"},
                {"binnen", "dagen"}, {"sous", "jours"},
                {"dans un délai de", "jours"}, {"à", "jours"},
                {"en un plazo de", "días"},
        };
        /* clang-format on */
        static const char *const pay[] = {
                "pay",  "due",       "terms", "zahl", "fällig",
                "paie", "règlement", "betal", "pago", "net"};
        const char *f = c->f;
        size_t k, t, at, end, j, e, nd, lo, hi, x, y;
        int v, ok;

        for (k = 0; k < G_N_ELEMENTS(terms); k++) {
                size_t from = 0;

                while (ctx_find(c, c->n, from, terms[k].pre, 0, &at, &end)) {
                        from = end;
                        j = skip_blank(f, end, c->n);
                        nd = digits_at(f, j, c->n, &v);
                        if (nd == 0 || nd > 3 || v < 1 || v > 365)
                                continue;
                        e = j + nd;
                        if (e < c->n &&
                            (is_wordc((unsigned char)f[e]) || f[e] == '.' ||
                             f[e] == ',' || f[e] == '%'))
                                continue;
                        e = skip_blank(f, e, c->n);
                        if (terms[k].post ? !match_at(f, c->n, e, terms[k].post)
                                          : (e < c->n &&
                                             is_alpha((unsigned char)f[e]) &&
                                             !match_at(f, c->n, e, "days")))
                                continue;
                        lo = at > 120 ? at - 120 : 0;
                        hi = e + 40 < c->n ? e + 40 : c->n;
                        for (t = 0, ok = 0; t < G_N_ELEMENTS(pay) && !ok; t++)
                                ok = ctx_find(c, hi, lo, pay[t], 1, &x, &y);
                        if (ok)
                                return v;
                }
        }
        return 0;
}

static int parse_iso(const char *s, int *y, int *m, int *d)
{
        return sscanf(s, "%4d-%2d-%2d", y, m, d) == 3 && valid_ymd(*y, *m, *d);
}

/* Is line li within four lines after a customer or delivery label? */
static int in_recipient_block(const struct fctx *c, size_t li)
{
        static const char *const more[] = {
                "ship to",       "deliver to",
                "lieferadresse", "lieferanschrift",
                "afleveradres",  "adresse de livraison",
                "attn",          "z.hd",
                "t.a.v",         NULL};
        const char *const *p;
        size_t k, at, end;

        for (k = li >= 4 ? li - 4 : 0; k <= li; k++) {
                size_t lo = c->lines[k].off;
                size_t le = c->lines[k].len > BUILTIN_VALUE_REACH
                                    ? lo + BUILTIN_VALUE_REACH
                                    : line_end(c, k);

                for (p = customer_labels; *p; p++)
                        if (ctx_find(c, le, lo, *p, 0, &at, &end))
                                return 1;
                for (p = more; *p; p++)
                        if (ctx_find(c, le, lo, *p, 0, &at, &end))
                                return 1;
        }
        return 0;
}

/* Is the word w[0..n) a legal form (or the '&' of "GmbH & Co. KG")? */
static int legal_word(const char *w, size_t n)
{
        const char *const *p;

        for (p = legal_ci; *p; p++)
                if (strlen(*p) == n && g_ascii_strncasecmp(w, *p, n) == 0)
                        return 1;
        for (p = legal_cs; *p; p++)
                if (strlen(*p) == n && memcmp(w, *p, n) == 0)
                        return 1;
        return 0;
}

/* A company's name ends with its legal form: what follows it on the line
 * belongs to another column ("Acme GmbH Rechnungsdatum 12. März" is
 * "Acme GmbH"); "Acme GmbH & Co. KG" stays whole. Cuts name in place. A
 * name with no legal form, or only legal forms, is left as it is. */
static void company_cut(char *name)
{
        size_t i = 0, e, words = 0, cut = 0;
        int in_form = 0;

        while (name[i]) {
                while (name[i] == ' ')
                        i++;
                for (e = i; name[e] && name[e] != ' ' && name[e] != ','; e++)
                        ;
                if (e == i) {
                        i = e + (name[e] != '\0');
                        continue;
                }
                if (legal_word(name + i, e - i) ||
                    (in_form &&
                     ((e - i == 1 && name[i] == '&') ||
                      (e - i <= 3 &&
                       g_ascii_strncasecmp(name + i, "co", 2) == 0)))) {
                        if (words > 0) {
                                in_form = 1;
                                cut = e;
                        }
                } else if (in_form) {
                        break;
                } else {
                        words++;
                }
                i = e;
        }
        if (cut && name[cut]) {
                while (cut > 0 && name[cut - 1] == ' ')
                        cut--;
                name[cut] = '\0';
        }
}

/* Does a company name have a word that is not a legal form ("Acme GmbH",
 * not "GmbH & Co.")? */
static int company_named(const char *name)
{
        size_t i = 0, e;

        while (name[i]) {
                while (name[i] == ' ' || name[i] == ',')
                        i++;
                for (e = i; name[e] && name[e] != ' ' && name[e] != ','; e++)
                        ;
                if (e > i && !legal_word(name + i, e - i))
                        return 1;
                i = e;
        }
        return 0;
}

/* Does name read like a company's name: capitalized words (particles
 * and "&" aside), not a phrase of prose ("Verschulden der Acme AG")? */
static int company_proper(const char *name)
{
        size_t i = 0, e, k;
        int first = 1;

        while (name[i]) {
                while (name[i] == ' ' || name[i] == ',')
                        i++;
                for (e = i; name[e] && name[e] != ' ' && name[e] != ','; e++)
                        ;
                if (e == i)
                        break;
                if (!is_upper((unsigned char)name[i]) &&
                    (unsigned char)name[i] < 0xC0 &&
                    !is_digit((unsigned char)name[i]) &&
                    !legal_word(name + i, e - i)) {
                        for (k = 0; name_particles[k]; k++)
                                if (strlen(name_particles[k]) == e - i &&
                                    memcmp(name + i, name_particles[k],
                                           e - i) == 0)
                                        break;
                        if (first || !name_particles[k])
                                return 0;
                }
                first = 0;
                i = e;
        }
        return 1;
}

/* Does line li start with the name s as a listing does (a footer, an
 * imprint): followed by nothing, a separator, or "au capital de" (the
 * French imprint), not by more of a sentence? */
static int line_starts_with(const struct fctx *c, size_t li, const char *s)
{
        size_t n = strlen(s), lo = c->lines[li].off, end = line_end(c, li);
        const char *f = c->f;

        if (c->lines[li].len < n || memcmp(c->s + lo, s, n) != 0)
                return 0;
        lo += n;
        if (lo == end || f[lo] == ',' || f[lo] == '\t' ||
            (f[lo] == ' ' && lo + 1 < end &&
             (f[lo + 1] == ' ' || strchr("-|(", f[lo + 1]) ||
              (unsigned char)f[lo + 1] >= 0x80)))
                return 1;
        return match_at(f, end, lo, " au capital") != 0;
}

/* Is b the end of a ("Westbrook SAS" of "Fabrication Westbrook SAS")? */
static int name_tail_of(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);

        return la > lb && a[la - lb - 1] == ' ' && strcmp(a + la - lb, b) == 0;
}

/* The recipient of a letter-style invoice: under the sender's line
 * ("Acme GmbH · Hauptstr. 1 · 10117 Berlin", the small print above the
 * address window), a name, then a street. Returns its line or SIZE_MAX. */
static size_t window_recipient(const struct fctx *c, char *out, size_t cap)
{
        static const char *const seps[] = {" - ", " | ", " \xc2\xb7 ", ", ",
                                           NULL};
        char co[BUILTIN_VALUE_MAX + 1];
        size_t li, at, e;
        const char *const *sp;

        for (li = 0; li + 2 < c->lines_n && li < 12; li++) {
                size_t lo = c->lines[li].off, le = line_end(c, li);

                for (sp = seps; *sp; sp++)
                        if (ctx_find(c, le, lo, *sp, 0, &at, &e) &&
                            memmem(c->f + e, le - e, *sp, strlen(*sp)))
                                break;
                /* The sender line: a company, two separators, an
                 * address with digits. */
                if (!*sp || !has_digit(c->f, lo, le) ||
                    !company_in_line(c, li, co, sizeof(co)))
                        continue;
                lo = c->lines[li + 1].off;
                le = line_end(c, li + 1);
                if (has_digit(c->f, lo, le) ||
                    !memchr(c->f + lo, ' ', le - lo) ||
                    label_starts(c->f, lo, le) ||
                    !has_digit(c->f, c->lines[li + 2].off,
                               line_end(c, li + 2)) ||
                    !text_at(c, lo, le, out, cap) || strlen(out) != le - lo)
                        continue;
                return li + 1;
        }
        return SIZE_MAX;
}

/* A line that only says what the document is ("TAX INVOICE", "Kopie"):
 * it may sit between the lines of a wrapped letterhead. */
static int title_line(const struct fctx *c, size_t li)
{
        static const char *const words[] = {
                "invoice", "tax",      "rechnung",  "facture", "factuur",
                "factura", "copy",     "kopie",     "copie",   "copia",
                "receipt", "original", "duplicate", NULL};
        size_t i = c->lines[li].off, end = line_end(c, li), e;

        while (i < end) {
                for (e = i; e < end && c->f[e] != ' '; e++)
                        ;
                if (!word_in(c->f, i, e, words))
                        return 0;
                i = skip_blank(c->f, e, end);
        }
        return 1;
}

/* Is line li nothing but a legal form ("GmbH & Co. KG", "N.V.")? Copies
 * it to out. */
static int legal_line(const struct fctx *c, size_t li, char *out, size_t cap)
{
        size_t lo = c->lines[li].off, end = line_end(c, li), i = lo, e;

        while (i < end) {
                for (e = i; e < end && c->f[e] != ' '; e++)
                        ;
                if (!legal_word(c->s + i, e - i) &&
                    !(e - i == 1 && c->s[i] == '&'))
                        return 0;
                i = skip_blank(c->f, e, end);
        }
        if (end - lo >= cap)
                return 0;
        memcpy(out, c->s + lo, end - lo);
        out[end - lo] = '\0';
        return 1;
}

/* A letterhead in a narrow column wraps the name: "Harborview" above
 * "Industries plc", a title line perhaps in between. When the name found
 * starts line li, capitalized fragments (no digits, three words at most)
 * of up to two lines above are its beginning. */
static void vendor_unwrap(const struct fctx *c, size_t li, char *out,
                          size_t cap)
{
        const unsigned char *s = (const unsigned char *)c->s;
        char buf[2 * BUILTIN_VALUE_MAX + 2];
        size_t k = li, lo, le, i, got = 0;
        int words;

        if (strncmp(c->s + c->lines[li].off, out, strlen(out)) != 0)
                return;
        while (k > 0 && got < 2) {
                k--;
                if (title_line(c, k))
                        continue;
                lo = c->lines[k].off;
                le = line_end(c, k);
                if (has_digit(c->f, lo, le) || c->f[le - 1] == ':' ||
                    label_starts(c->f, lo, le) || le - lo > 48)
                        break;
                for (i = lo, words = 0; i < le; i++) {
                        if (i == lo || c->f[i - 1] == ' ') {
                                if (!is_upper(s[i]) && s[i] < 0xC0)
                                        break;
                                words++;
                        }
                }
                if (i < le || words > 3)
                        break;
                snprintf(buf, sizeof(buf), "%.*s %s", (int)(le - lo), c->s + lo,
                         out);
                if (strlen(buf) >= cap)
                        break;
                snprintf(out, cap, "%s", buf);
                got++;
        }
}

/* Vendor: after "From:" (and its kin) at the start of a line, else the
 * first company-like line of the top (not the customer's block), made
 * whole by the same name in the footer when the top wrapped it. */
static int vendor_find(const struct fctx *c, size_t cust, char *out, size_t cap)
{
        static const char *const from[] = {
                "from",      "von",         "de",        "van",
                "seller",    "vendor",      "supplier",  "sold by",
                "issued by", "lieferant",   "verkäufer", "fournisseur",
                "vendeur",   "leverancier", "verkoper",  "emisor",
                "proveedor", NULL};
        const char *const *lab;
        size_t li, end, j;

        for (li = 0; li < c->lines_n; li++) {
                size_t lo = c->lines[li].off, le = line_end(c, li);

                for (lab = from; *lab; lab++) {
                        end = match_at(c->f, le, lo, *lab);
                        if (!end ||
                            (end < le && is_wordc((unsigned char)c->f[end])))
                                continue;
                        j = skip_blank(c->f, end, le);
                        if (j >= le || c->f[j] != ':')
                                continue;
                        j = skip_blank(c->f, j + 1, le);
                        if (j < le ? text_at(c, j, le, out, cap)
                                   : (li + 1 < c->lines_n &&
                                      text_at(c, c->lines[li + 1].off,
                                              line_end(c, li + 1), out, cap)))
                                return 1;
                }
        }
        for (li = 0; li < c->lines_n && li < 20; li++) {
                if ((cust != SIZE_MAX && li >= cust && li <= cust + 4) ||
                    in_recipient_block(c, li))
                        continue;
                if (company_in_line(c, li, out, cap) && company_named(out) &&
                    company_proper(out))
                        break;
                /* "Corp." alone: the end of a wrapped letterhead. */
                if (li < 8 && legal_line(c, li, out, cap)) {
                        vendor_unwrap(c, li, out, cap);
                        if (company_named(out))
                                return 1;
                }
        }
        if (li == c->lines_n || li == 20) {
                /* Else the first company named anywhere, outside the
                 * customer's block: the sender's small print. */
                for (li = 20; li < c->lines_n; li++)
                        if (!in_recipient_block(c, li) &&
                            company_in_line(c, li, out, cap) &&
                            line_starts_with(c, li, out) &&
                            company_named(out) && company_proper(out))
                                break;
                if (li >= c->lines_n)
                        return 0;
        }
        company_cut(out);
        vendor_unwrap(c, li, out, cap);
        /* The footer names the company in full. */
        for (li = c->lines_n > 15 ? c->lines_n - 15 : li + 1; li < c->lines_n;
             li++) {
                char full[BUILTIN_VALUE_MAX + 1];

                if (company_in_line(c, li, full, sizeof(full)) &&
                    line_starts_with(c, li, full) && company_proper(full) &&
                    name_tail_of(full, out)) {
                        snprintf(out, cap, "%s", full);
                        break;
                }
        }
        return 1;
}

static void fields_invoice(const struct fctx *c, json_t *o)
{
        struct value v, total, sub, tax;
        char issue[16] = "", out[BUILTIN_VALUE_MAX + 1];
        size_t cust = SIZE_MAX;
        int have_total, have_sub, have_tax, y, m, d;

        find_set(o, "invoice_number", c, &r_invno, NULL);
        if (find_set(o, "issue_date", c, &r_issue, &v))
                memcpy(issue, v.str, 11); /* YYYY-MM-DD and its NUL */
        if (!find_set(o, "due_date", c, &r_due, NULL) && issue[0] &&
            parse_iso(issue, &y, &m, &d)) {
                int days = payment_days(c);

                if (days) {
                        civil_from_days(days_from_civil(y, m, d) + days, &y, &m,
                                        &d);
                        snprintf(out, sizeof(out), "%04d-%02d-%02d", y, m, d);
                        set_str(o, "due_date", out);
                }
        }
        have_total = rule_find(c, &r_total, &total);
        have_sub = rule_find(c, &r_subtotal, &sub);
        have_tax = rule_find(c, &r_tax, &tax);
        /* Figures that contradict each other are left out: the total is
         * the best supported of the three. */
        if (have_total && have_sub &&
            strtod(sub.str, NULL) > strtod(total.str, NULL) + 0.005)
                have_sub = 0;
        if (have_total && have_tax &&
            fabs(strtod(tax.str, NULL)) > fabs(strtod(total.str, NULL)))
                have_tax = 0;
        if (have_total)
                set_str(o, "total", total.str);
        if (have_sub)
                set_str(o, "subtotal", sub.str);
        if (have_tax)
                set_str(o, "tax", tax.str);
        set_str(o, "currency",
                have_total && total.cur ? total.cur : doc_cur(c));
        if (rule_find(c, &r_customer, &v)) {
                cust = v.line;
                company_cut(v.str);
                set_str(o, "customer", v.str);
        } else {
                cust = window_recipient(c, v.str, sizeof(v.str));
                if (cust != SIZE_MAX)
                        set_str(o, "customer", v.str);
        }
        if (vendor_find(c, cust, out, sizeof(out)))
                set_str(o, "vendor", out);
}

static const char *const date_labels[] = {"date", "datum", "fecha", "dated",
                                          NULL};
static const struct rule r_date = {
        V_DATE, date_labels, date_not_before, date_not_after, NULL, 0, 0, 0, 0};

/* The document's date: a labelled one, else the first date of the top. */
static int doc_date(const struct fctx *c, char out[11])
{
        struct value v;
        size_t li;

        if (rule_find(c, &r_date, &v)) {
                memcpy(out, v.str, 10);
                out[10] = '\0';
                return 1;
        }
        for (li = 0; li < c->lines_n && li < 40; li++)
                if (date_in(c, c->lines[li].off, line_end(c, li), out, NULL))
                        return 1;
        return 0;
}

static void fields_receipt(const struct fctx *c, json_t *o)
{
        static const char *const not_name[] = {
                "receipt",  "kassenbon", "quittung",   "ticket",    "reçu",
                "kassabon", "welcome",   "willkommen", "bienvenue", "welkom",
                "tel",      "phone",     "date",       "datum",     NULL};
        char out[BUILTIN_VALUE_MAX + 1], date[11];
        struct value total;
        size_t li, at, end;
        int found = 0;
        const char *const *p;

        for (li = 0; li < c->lines_n && li < 10 && !found; li++)
                found = company_in_line(c, li, out, sizeof(out));
        /* Receipts start with the shop's name. */
        for (li = 0; li < c->lines_n && li < 3 && !found; li++) {
                size_t lo = c->lines[li].off, le = line_end(c, li);

                if (is_digit((unsigned char)c->f[lo]) ||
                    !text_at(c, lo, le, out, sizeof(out)) ||
                    strlen(out) != le - lo)
                        continue;
                for (p = not_name; *p; p++)
                        if (ctx_find(c, le, lo, *p, 1, &at, &end))
                                break;
                found = *p == NULL;
        }
        if (found)
                set_str(o, "merchant", out);
        if (doc_date(c, date))
                set_str(o, "date", date);
        if (rule_find(c, &r_total, &total)) {
                set_str(o, "total", total.str);
                set_str(o, "currency", total.cur ? total.cur : doc_cur(c));
        } else {
                set_str(o, "currency", doc_cur(c));
        }
}

/* Two dates joined as a range after i: "01.03.2024 - 31.03.2024",
 * "from March 1, 2024 to March 31, 2024", "du 1 mars au 31 mars 2024"
 * is not one (no year on the first). */
static int date_range(const struct fctx *c, size_t i, size_t end, char a[11],
                      char b[11])
{
        static const char *const conn[] = {
                "to",    "bis",  "au", "tot", "t/m", "al", "through",
                "until", "till", "a",  "à",   "-",   NULL};
        size_t e, k, w;
        int y, m, d;

        e = date_in(c, i, end, a, NULL);
        if (!e)
                return 0;
        k = skip_blank(c->f, e, end);
        if (k + 3 <= end && memcmp(c->f + k, "\xe2\x80", 2) == 0)
                k += 3; /* en or em dash */
        else if (k < end && c->f[k] == '-')
                k++;
        else {
                for (w = k; w < end && c->f[w] != ' '; w++)
                        ;
                if (!word_in(c->f, k, w, conn))
                        return 0;
                k = w;
        }
        k = skip_blank(c->f, k, end);
        if (!date_at(c, k, end, &y, &m, &d))
                return 0;
        snprintf(b, 11, "%04d-%02d-%02d", y, m, d);
        return strcmp(a, b) <= 0;
}

static void fields_bank(const struct fctx *c, json_t *o)
{
        static const char *const holder[] = {"account holder",
                                             "account name",
                                             "account owner",
                                             "kontoinhaber",
                                             "inhaber",
                                             "titulaire du compte",
                                             "titulaire",
                                             "rekeninghouder",
                                             "ten name van",
                                             "titular",
                                             NULL};
        static const char *const opening[] = {"opening balance",
                                              "previous balance",
                                              "beginning balance",
                                              "starting balance",
                                              "balance brought forward",
                                              "alter kontostand",
                                              "alter saldo",
                                              "anfangssaldo",
                                              "ancien solde",
                                              "solde initial",
                                              "solde précédent",
                                              "beginsaldo",
                                              "vorig saldo",
                                              "oud saldo",
                                              "saldo inicial",
                                              "saldo anterior",
                                              NULL};
        static const char *const closing[] = {"closing balance",
                                              "new balance",
                                              "ending balance",
                                              "neuer kontostand",
                                              "neuer saldo",
                                              "endsaldo",
                                              "schlusssaldo",
                                              "nouveau solde",
                                              "solde final",
                                              "eindsaldo",
                                              "nieuw saldo",
                                              "saldo final",
                                              NULL};
        static const char *const period[] = {"statement period",
                                             "period",
                                             "zeitraum",
                                             "abrechnungszeitraum",
                                             "auszugszeitraum",
                                             "période",
                                             "periode",
                                             "periodo",
                                             "from",
                                             "vom",
                                             "du",
                                             "van",
                                             "del",
                                             NULL};
        const struct rule r_holder = {V_TEXT, holder, NULL, NULL, NULL,
                                      0,      0,      0,    0};
        const struct rule r_open = {V_AMOUNT, opening, NULL, NULL, NULL,
                                    0,        0,       0,    0};
        const struct rule r_close = {V_AMOUNT, closing, NULL, NULL, NULL,
                                     1,        0,       0,    0};
        char iban[35], a[11], b[11];
        const char *const *lab;
        struct value v;
        size_t li, at, end;
        int found = 0;
        const char *cur = NULL;

        find_set(o, "account_holder", c, &r_holder, NULL);
        if (iban_find(c, iban))
                set_str(o, "iban", iban);
        for (lab = period; *lab && !found; lab++) {
                size_t maybe = 0;

                for (li = 0; li < c->lines_n && !found; li++)
                        found = line_may_hold(c, li, *lab, &maybe) &&
                                ctx_find(c, line_end(c, li), c->lines[li].off,
                                         *lab, 0, &at, &end) &&
                                date_range(c, end, line_end(c, li), a, b);
        }
        for (li = 0; li < c->lines_n && li < 40 && !found; li++)
                found = date_range(c, c->lines[li].off, line_end(c, li), a, b);
        if (found) {
                set_str(o, "period_start", a);
                set_str(o, "period_end", b);
        }
        if (find_set(o, "opening_balance", c, &r_open, &v))
                cur = v.cur;
        if (find_set(o, "closing_balance", c, &r_close, &v) && v.cur)
                cur = v.cur;
        set_str(o, "currency", cur ? cur : doc_cur(c));
}

static const char *const change_words[] = {
        "increase",   "increased", "decrease",     "decreased", "grew",
        "rose",       "fell",      "up",           "down",      "growth",
        "change",     "compared",  "prior",        "previous",  "from",
        "by",         "gestiegen", "gesunken",     "stieg",     "sank",
        "um",         "gegenüber", "hausse",       "baisse",    "augmenté",
        "progressé",  "reculé",    "diminué",      "contre",    "stijging",
        "daling",     "gestegen",  "gedaald",      "tegenover", "met",
        "aumentaron", "aumentó",   "disminuyeron", "disminuyó", "frente",
        NULL};

/* The income statement of a report whose head does not reach it: its
 * heading found in the whole text, the next BUILTIN_STATEMENT_BYTES read
 * as lines into st (new; fctx_cleanup). Returns 1, or 0 when there is
 * none. */
/* Where the first heading of an income statement starts in the whole
 * text, at from or later; SIZE_MAX if none. */
static size_t statement_find(const struct fctx *c, size_t from)
{
        static const char *const heads[] = {"income statement",
                                            "statement of income",
                                            "statement of operations",
                                            "profit and loss",
                                            "gewinn- und verlustrechnung",
                                            "compte de résultat",
                                            "winst-en-verliesrekening",
                                            "winst- en verliesrekening",
                                            "cuenta de resultados",
                                            "cuenta de pérdidas y ganancias",
                                            NULL};
        const char *const *h;
        const unsigned char *t = (const unsigned char *)c->text;
        unsigned char first[256] = {0};
        size_t i;

        if (!t)
                return SIZE_MAX;
        /* One pass: only where a heading's first letter is, in either
         * case, are the headings compared. */
        for (h = heads; *h; h++) {
                first[(unsigned char)(*h)[0]] = 1;
                first[(unsigned char)g_ascii_toupper((*h)[0])] = 1;
        }
        for (i = from; i < c->text_len; i++) {
                if (!first[t[i]])
                        continue;
                for (h = heads; *h; h++) {
                        size_t l = strlen(*h);

                        if (g_ascii_tolower(t[i]) == (*h)[0] &&
                            i + l <= c->text_len &&
                            g_ascii_strncasecmp((const char *)t + i, *h, l) ==
                                    0)
                                return i;
                }
        }
        return SIZE_MAX;
}

static int statement_ctx(const struct fctx *c, struct fctx *st)
{
        const char *t = c->text;
        size_t at, n;

        if (!t || c->text_len <= c->n)
                return 0;
        /* Past the head, or starting at its end: within it the rules
         * have looked. */
        at = statement_find(c, c->n > BUILTIN_STATEMENT_BYTES
                                       ? c->n - BUILTIN_STATEMENT_BYTES
                                       : 0);
        if (at == SIZE_MAX)
                return 0;
        n = utf8_cut(t + at, BUILTIN_STATEMENT_BYTES, c->text_len - at);
        memset(st, 0, sizeof(*st));
        st->s = t + at;
        st->f = xmalloc(n + 1);
        fold(t + at, n, (char *)st->f);
        ((char *)st->f)[n] = '\0';
        st->n = n;
        st->dmy = c->dmy;
        st->unit = c->unit;
        st->cache = c->cache;
        lines_build(st);
        ctx_index(st);
        return 1;
}

static void fctx_cleanup(struct fctx *st)
{
        free((char *)st->f);
        free(st->lines);
        ctx_index_free(st);
}

static void report_amounts(const struct fctx *c, json_t *o)
{
        static const char *const revenue[] = {
                "total revenues", "total revenue",      "net revenues",
                "net revenue",    "revenues",           "revenue",
                "net sales",      "turnover",           "umsatzerlöse",
                "umsatz",         "chiffre d'affaires", "netto-omzet",
                "omzet",          "ingresos",           NULL};
        static const char *const rev_not_before[] = {
                "of", "deferred", "other", "unearned", "cost", NULL};
        static const char *const income[] = {"net income",
                                             "net profit",
                                             "net earnings",
                                             "profit for the year",
                                             "profit for the period",
                                             "profit after tax",
                                             "konzernjahresüberschuss",
                                             "jahresüberschuss",
                                             "konzernergebnis",
                                             "periodenergebnis",
                                             "résultat net",
                                             "bénéfice net",
                                             "nettowinst",
                                             "nettoresultaat",
                                             "netto resultaat",
                                             "resultado neto",
                                             "beneficio neto",
                                             NULL};
        static const char *const loss[] = {"net loss",     "jahresfehlbetrag",
                                           "perte nette",  "nettoverlies",
                                           "pérdida neta", NULL};
        static const char *const inc_not_after[] = {"per", "margin",
                                                    "attributable", NULL};
        const struct rule r_rev = {V_AMOUNT,
                                   revenue,
                                   rev_not_before,
                                   inc_not_after,
                                   change_words,
                                   0,
                                   1,
                                   0,
                                   1};
        const struct rule r_inc = {
                V_AMOUNT, income, NULL, inc_not_after, change_words, 0,
                1,        0,      1};
        const struct rule r_loss = {
                V_AMOUNT, loss, NULL, inc_not_after, change_words, 0, 1, 0, 1};
        struct value v, vi;
        const char *cur = NULL;
        struct fctx st;
        int found, is_loss = 0, have_st = 0, rev, prose = 1;

        rev = rule_find(c, &r_rev, &v);
        found = rule_find(c, &r_inc, &vi);
        if (!found) {
                found = rule_find(c, &r_loss, &vi);
                is_loss = found;
        }
        /* A long report's statements are past the head: read the income
         * statement where it starts. */
        if ((!rev || !found) && statement_ctx(c, &st)) {
                have_st = 1;
                if (!rev)
                        rev = rule_find(&st, &r_rev, &v);
                if (!found) {
                        found = rule_find(&st, &r_inc, &vi);
                        if (!found) {
                                found = rule_find(&st, &r_loss, &vi);
                                is_loss = found;
                        }
                }
        }
        /* The highlights' sentence the PDF wrapped ("Net income for the
         * quarter amounted to\nEUR 165,485,728."), read as one line. */
        if (!rev || !found) {
                struct fctx flat;

                flat_init(&flat, c, c->text, c->text_len,
                          BUILTIN_PREAMBLE_BYTES);
                if (!rev)
                        rev = rule_find(&flat, &r_rev, &v);
                if (!found) {
                        found = rule_find(&flat, &r_inc, &vi);
                        if (!found) {
                                found = rule_find(&flat, &r_loss, &vi);
                                is_loss = found;
                        }
                }
                flat_cleanup(&flat);
        }
        /* No statements at all: a headline's rounded figure ("revenue
         * of EUR 452.3 million"), as an earnings release gives it. */
        if ((!rev || !found) && statement_find(c, 0) != SIZE_MAX)
                prose = 0;
        if (!rev && prose) {
                struct rule r2 = r_rev;

                r2.exact = 2;
                rev = rule_find(c, &r2, &v);
        }
        if (!found && prose) {
                struct rule r2 = r_inc;

                r2.exact = 2;
                found = rule_find(c, &r2, &vi);
                if (!found) {
                        r2 = r_loss;
                        r2.exact = 2;
                        found = rule_find(c, &r2, &vi);
                        is_loss = found;
                }
        }
        if (rev) {
                if (!v.scaled)
                        scale_str(v.str, sizeof(v.str), c->unit);
                set_str(o, "revenue", v.str);
                cur = v.cur;
        }
        v = vi;
        if (have_st)
                fctx_cleanup(&st);
        if (found) {
                if (!v.scaled)
                        scale_str(v.str, sizeof(v.str), c->unit);
                if (is_loss && v.str[0] != '-' && strcmp(v.str, "0.00") != 0) {
                        char neg[sizeof(v.str) + 1];

                        snprintf(neg, sizeof(neg), "-%s", v.str);
                        set_str(o, "net_income", neg);
                } else {
                        set_str(o, "net_income", v.str);
                }
                if (!cur)
                        cur = v.cur;
        }
        set_str(o, "currency", cur ? cur : doc_cur(c));
}

static int company_top(const struct fctx *c, char *out, size_t cap)
{
        size_t li;

        for (li = 0; li < c->lines_n && li < 40; li++)
                if (company_in_line(c, li, out, cap))
                        return 1;
        return 0;
}

static void fields_annual(const struct fctx *c, json_t *o)
{
        static const char *const fy[] = {"fiscal year",    "financial year",
                                         "geschäftsjahr",  "exercice",
                                         "boekjaar",       "ejercicio",
                                         "year ended",     "year ending",
                                         "annual report",  "geschäftsbericht",
                                         "rapport annuel", "jaarverslag",
                                         "informe anual",  NULL};
        const struct rule r_fy = {V_YEAR, fy, NULL, NULL, NULL, 0, 0, 0, 0};
        char out[BUILTIN_VALUE_MAX + 1];
        size_t at, end;
        int y;

        if (company_top(c, out, sizeof(out)))
                set_str(o, "company", out);
        if (!find_set(o, "fiscal_year", c, &r_fy, NULL)) {
                const char *const *lab;

                /* "2023 Annual Report" */
                for (lab = fy + 8; *lab; lab++) {
                        size_t j;

                        if (!ctx_find(c, c->n, 0, *lab, 0, &at, &end))
                                continue;
                        j = at;
                        while (j > 0 && c->f[j - 1] == ' ')
                                j--;
                        if (j >= 4 && digits_at(c->f, j - 4, j, &y) == 4 &&
                            token_start(c->f, j - 4, 0) && y >= 1900 &&
                            y <= 2100) {
                                snprintf(out, sizeof(out), "%04d", y);
                                set_str(o, "fiscal_year", out);
                                break;
                        }
                }
        }
        report_amounts(c, o);
}

static void fields_financial(const struct fctx *c, json_t *o)
{
        static const char *const pe[] = {"three months ended",
                                         "six months ended",
                                         "nine months ended",
                                         "months ended",
                                         "quarter ended",
                                         "quarterly period ended",
                                         "period ended",
                                         "weeks ended",
                                         "quarter ending",
                                         "period ending",
                                         "halbjahr zum",
                                         "quartal zum",
                                         "stichtag",
                                         "trimestre clos le",
                                         "semestre clos le",
                                         "clos le",
                                         "arrêté au",
                                         "arrêtés au",
                                         "eindigend op",
                                         "afgesloten op",
                                         "terminado el",
                                         "finalizado el",
                                         NULL};
        const struct rule r_pe = {V_DATE, pe, NULL, NULL, NULL, 0, 0, 0, 0};
        char out[BUILTIN_VALUE_MAX + 1];

        if (company_top(c, out, sizeof(out)))
                set_str(o, "company", out);
        find_set(o, "period_end", c, &r_pe, NULL);
        report_amounts(c, o);
}

/* One party of a contract, from i to at most end of a flattened text:
 * articles dropped, cut before the first comma, parenthesis, quote,
 * "hereinafter" or sentence end. */
static int party_at(const struct fctx *c, size_t i, size_t end, char *out,
                    size_t cap)
{
        static const char *const articles[] = {"the ", "der ", "die ", "dem ",
                                               "den ", "la ",  "le ",  "l'",
                                               "het ", "de ",  "el ",  NULL};
        static const char *const stops[] = {" hereinafter",
                                            " nachfolgend",
                                            " ci-après",
                                            " hierna",
                                            " en lo sucesivo",
                                            " having",
                                            " with its",
                                            " mit sitz",
                                            " whose",
                                            " represented",
                                            " vertreten",
                                            " représenté",
                                            " vertegenwoordigd",
                                            NULL};
        const char *f = c->f;
        const char *const *p;
        size_t e, t;

        /* ": (1) ", "a) ", "2. " before a party */
        for (;;) {
                size_t k;

                i = skip_blank(f, i, end);
                if (i < end && f[i] == ':') {
                        i++;
                        continue;
                }
                k = i < end && f[i] == '(' ? i + 1 : i;
                if (k + 1 < end &&
                    (is_digit((unsigned char)f[k]) ||
                     (is_alpha((unsigned char)f[k]) &&
                      !is_alpha((unsigned char)f[k + 1]))) &&
                    (f[k + 1] == ')' || f[k + 1] == '.') &&
                    (k + 2 == end || f[k + 2] == ' ')) {
                        i = k + 2;
                        continue;
                }
                break;
        }
        for (p = articles; *p; p++) {
                if (i + strlen(*p) < end &&
                    memcmp(f + i, *p, strlen(*p)) == 0) {
                        i += strlen(*p);
                        break;
                }
        }
        for (e = i; e < end; e++) {
                unsigned char ch = (unsigned char)f[e];

                if (ch == ',' || ch == '(' || ch == ';' || ch == '"' ||
                    ch == ':' ||
                    (ch == 0xC2 && e + 1 < end &&
                     (unsigned char)f[e + 1] == 0xAB) ||
                    (ch == 0xE2 && e + 2 < end &&
                     (unsigned char)f[e + 1] == 0x80 &&
                     ((unsigned char)f[e + 2] == 0x9C ||
                      (unsigned char)f[e + 2] == 0x9E)))
                        break;
                if (ch == '.' && (e + 1 == end || f[e + 1] == ' ')) {
                        /* "Example Ltd." keeps its dot */
                        for (t = e; t > i && f[t - 1] != ' '; t--)
                                ;
                        if (is_legal_form(c, t, e + 1))
                                e++;
                        break;
                }
                for (p = stops; *p; p++)
                        if (match_at(f, end, e, *p))
                                break;
                if (*p)
                        break;
        }
        return e > i && text_at(c, i, e, out, cap) && strlen(out) == e - i;
}

/* Parties: "between A and B" in the first such sentence. */
static int parties_find(const struct fctx *c, json_t *o)
{
        static const char *const between[] = {"by and between", "between",
                                              "zwischen",       "entre",
                                              "tussen",         NULL};
        static const char *const conn[] = {" and ", " und ", " et ",
                                           " en ",  " y ",   NULL};
        char s1[2048], f1[2048], p1[BUILTIN_VALUE_MAX + 1],
                p2[BUILTIN_VALUE_MAX + 1];
        const char *const *lab, *const *cn;
        struct fctx sub;
        size_t at, end, i, n = 0, j, k, depth = 0, ce;
        json_t *arr;

        for (lab = between; *lab; lab++)
                if (ctx_find(c, c->n, 0, *lab, 0, &at, &end))
                        break;
        if (!*lab)
                return 0;
        /* Numbered: "between: (1) A, ...; and (2) B, ..." */
        {
                size_t a1, e1, a2, e2,
                        lim = end + 800 < c->n ? end + 800 : c->n;

                if (ctx_find(c, lim, end, "(1)", 0, &a1, &e1) &&
                    ctx_find(c, lim, e1, "(2)", 0, &a2, &e2) &&
                    party_at(c, e1, a2, p1, sizeof(p1)) &&
                    party_at(c, e2, lim, p2, sizeof(p2))) {
                        arr = json_array();
                        json_array_append_new(arr, json_string(p1));
                        json_array_append_new(arr, json_string(p2));
                        json_object_set_new(o, "parties", arr);
                        return 1;
                }
        }
        /* Flatten the next 600 bytes: white space runs become one space. */
        for (i = end; i < c->n && i < end + 600 && n + 1 < sizeof(s1); i++) {
                if (is_space((unsigned char)c->f[i])) {
                        if (n > 0 && f1[n - 1] == ' ')
                                continue;
                        s1[n] = f1[n] = ' ';
                } else {
                        s1[n] = c->s[i];
                        f1[n] = c->f[i];
                }
                n++;
        }
        memset(&sub, 0, sizeof(sub));
        sub.s = s1;
        sub.f = f1;
        sub.n = n;
        /* The connector at parenthesis depth 0, after the first party. */
        ce = 0;
        for (j = 0; j < n && j < 400 && !ce; j++) {
                if (f1[j] == '(')
                        depth++;
                else if (f1[j] == ')' && depth > 0)
                        depth--;
                if (depth)
                        continue;
                for (cn = conn; *cn && !ce; cn++) {
                        k = match_at(f1, n, j, *cn);
                        if (k && j > 2)
                                ce = k;
                }
        }
        if (!ce || !party_at(&sub, 0, n, p1, sizeof(p1)) ||
            !party_at(&sub, ce, n, p2, sizeof(p2)))
                return 0;
        arr = json_array();
        json_array_append_new(arr, json_string(p1));
        json_array_append_new(arr, json_string(p2));
        json_object_set_new(o, "parties", arr);
        return 1;
}

/* Governing law: "governed by the laws of X", or "German law",
 * "deutsches Recht", "droit français", "Nederlands recht". */
static int law_find(const struct fctx *c, char *out, size_t cap)
{
        static const char *const intro[] = {"governed by", "governing law",
                                            "construed in accordance with",
                                            "subject to the laws", NULL};
        static const char *const skip[] = {"the ", "state of ",
                                           "commonwealth of ", NULL};
        static const char *const stops[] = {
                " without",    " and ",  " excluding", " as ",
                " applicable", " with ", " in ",       " notwithstanding",
                " shall",      " to ",   " except",    NULL};
        /* clang-format off */
        static const struct {
                const char *pat, *val;
        } named[] = {
                {"england and wales", "England and Wales"},
                {"federal republic of germany", "Germany"},
                {"french republic", "France"},
                {"kingdom of the netherlands", "Netherlands"},
                {"kingdom of spain", "Spain"},
                {"swiss confederation", "Switzerland"},
                {"recht der bundesrepublik deutschland", "Germany"},
                {"deutsches recht", "Germany"}, {"deutschem recht", "Germany"},
                {"deutschen recht", "Germany"},
                {"österreichisches recht", "Austria"},
                {"österreichischem recht", "Austria"},
                {"schweizerisches recht", "Switzerland"},
                {"schweizerischem recht", "Switzerland"},
                {"droit français", "France"}, {"droit belge", "Belgium"},
                {"droit luxembourgeois", "Luxembourg"},
                {"droit suisse", "Switzerland"}, {"droit allemand", "Germany"},
                {"nederlands recht", "Netherlands"},
                {"belgisch recht", "Belgium"}, {"duits recht", "Germany"},
                {"german law", "Germany"}, {"english law", "England and Wales"},
                {"french law", "France"}, {"dutch law", "Netherlands"},
                {"swiss law", "Switzerland"}, {"ley española", "Spain"},
                {"legislación española", "Spain"},
        };
        /* clang-format on */
        const char *const *p, *const *q;
        size_t at, end, la, le, i, e, k, lim;

        for (p = intro; *p; p++) {
                if (!ctx_find(c, c->n, 0, *p, 0, &at, &end))
                        continue;
                lim = end + 300 < c->n ? end + 300 : c->n;
                if (!ctx_find(c, lim, end, "laws of", 0, &la, &le) &&
                    !ctx_find(c, lim, end, "law of", 0, &la, &le))
                        continue;
                i = skip_blank(c->f, le, c->n);
                for (q = skip; *q; q++)
                        if (match_at(c->f, c->n, i, *q))
                                i = match_at(c->f, c->n, i, *q);
                for (k = 0; k < G_N_ELEMENTS(named); k++) {
                        if (match_at(c->f, c->n, i, named[k].pat)) {
                                snprintf(out, cap, "%s", named[k].val);
                                return 1;
                        }
                }
                if (i >= c->n || !is_upper((unsigned char)c->s[i]))
                        continue;
                for (e = i; e < c->n && e - i < 60; e++) {
                        if (strchr(",.;()\n\r\f\t", c->f[e]) && c->f[e])
                                break;
                        for (q = stops; *q; q++)
                                if (match_at(c->f, c->n, e, *q))
                                        break;
                        if (*q)
                                break;
                }
                if (text_at(c, i, e, out, cap))
                        return 1;
        }
        for (k = 0; k < G_N_ELEMENTS(named); k++) {
                if (ctx_find(c, c->n, 0, named[k].pat, 0, &at, &end)) {
                        snprintf(out, cap, "%s", named[k].val);
                        return 1;
                }
        }
        return 0;
}

static void fields_contract(const struct fctx *c, json_t *o)
{
        static const char *const eff[] = {"effective date",
                                          "effective as of",
                                          "effective from",
                                          "with effect from",
                                          "dated as of",
                                          "made as of",
                                          "entered into as of",
                                          "entered into on",
                                          "made on",
                                          "gültig ab",
                                          "mit wirkung zum",
                                          "mit wirkung vom",
                                          "in kraft ab",
                                          "date d'effet",
                                          "prend effet le",
                                          "à compter du",
                                          "ingangsdatum",
                                          "met ingang van",
                                          "fecha de entrada en vigor",
                                          "con efectos desde el",
                                          "con efectos desde",
                                          "dated",
                                          NULL};
        const struct rule r_eff = {V_DATE, eff, NULL, NULL, NULL, 0, 0, 0, 0};
        char out[BUILTIN_VALUE_MAX + 1];
        struct fctx flat;
        size_t tail;

        /* The preamble names the parties and the date, in sentences a
         * PDF wraps anywhere. */
        flat_init(&flat, c, c->text, c->text_len, BUILTIN_PREAMBLE_BYTES);
        parties_find(&flat, o);
        find_set(o, "effective_date", &flat, &r_eff, NULL);
        flat_cleanup(&flat);
        /* The governing law is near the end, maybe past the head. */
        if (law_find(c, out, sizeof(out))) {
                set_str(o, "governing_law", out);
        } else if (c->text_len > c->n) {
                tail = c->text_len > BUILTIN_LAW_TAIL_BYTES
                               ? c->text_len - BUILTIN_LAW_TAIL_BYTES
                               : 0;
                while (tail < c->text_len &&
                       ((unsigned char)c->text[tail] & 0xC0) == 0x80)
                        tail++;
                flat_init(&flat, c, c->text + tail, c->text_len - tail,
                          BUILTIN_LAW_TAIL_BYTES);
                if (law_find(&flat, out, sizeof(out)))
                        set_str(o, "governing_law", out);
                flat_cleanup(&flat);
        }
}

/* A form id token at i ("1040-NR", "W-2"), upper-cased into out. */
static int form_token(const struct fctx *c, size_t i, size_t end, char *out,
                      size_t cap)
{
        size_t e = i, k;

        while (e < end && (is_alpha((unsigned char)c->f[e]) ||
                           is_digit((unsigned char)c->f[e]) || c->f[e] == '-'))
                e++;
        while (e > i && c->f[e - 1] == '-')
                e--;
        if (e == i || e - i > 16 || e - i >= cap || !has_digit(c->f, i, e) ||
            (e < end && is_wordc((unsigned char)c->f[e])))
                return 0;
        for (k = i; k < e; k++)
                out[k - i] =
                        (char)(is_alpha((unsigned char)c->f[k]) ? c->f[k] - 32
                                                                : c->f[k]);
        out[e - i] = '\0';
        return 1;
}

/* Does s read as a person's name: two to five capitalized words
 * (particles aside), no digits? */
static int person_name(const char *s)
{
        size_t i = 0, e, words = 0;

        if (has_digit(s, 0, strlen(s)) || !company_proper(s))
                return 0;
        while (s[i]) {
                while (s[i] == ' ')
                        i++;
                for (e = i; s[e] && s[e] != ' '; e++)
                        ;
                words += e > i;
                i = e;
        }
        return words >= 2 && words <= 5;
}

/* A form's name boxes: a row of labels with a first name and a last name
 * ("Your first name and middle initial  Last name  Your social security
 * number", "Vorname  Name"), over a row of values that lines up with it.
 * Writes "First Last" to out. */
static int names_row(const struct fctx *c, char *out, size_t cap)
{
        struct hseg seg[BUILTIN_HDR_MAX];
        struct hitem it[BUILTIN_HDR_MAX];
        int ni, k, i1, i2;
        size_t li;

        for (li = 0; li + 1 < c->lines_n && li < 60; li++) {
                int ns = header_split(c, li, seg);

                for (k = 0, i1 = i2 = -1; k < ns; k++) {
                        if (seg[k].kind == LK_NAME1)
                                i1 = k;
                        else if (seg[k].kind == LK_NAME2 ||
                                 (seg[k].kind == LK_TEXT &&
                                  label_end_trim(c->f, seg[k].at, seg[k].end) -
                                                  seg[k].at ==
                                          4 &&
                                  memcmp(c->f + seg[k].at, "name", 4) == 0))
                                i2 = k;
                }
                if (i1 < 0 || i2 < 0)
                        continue;
                ni = value_items(c, li + 1, it);
                if (ni != ns)
                        continue;
                snprintf(out, cap, "%.*s %.*s", (int)(it[i1].end - it[i1].at),
                         c->s + it[i1].at, (int)(it[i2].end - it[i2].at),
                         c->s + it[i2].at);
                if (person_name(out) && utf8_valid(out, strlen(out)))
                        return 1;
        }
        return 0;
}

static void fields_tax(const struct fctx *c, json_t *o)
{
        static const char *const ids[] = {"1040", "1099", "1120", "1065", "w-2",
                                          "w-4",  "w-9",  "w-8",  NULL};
        /* clang-format off */
        static const struct {
                const char *pat, *val;
        } names[] = {
                {"einkommensteuererklärung", "Einkommensteuererklärung"},
                {"umsatzsteuererklärung", "Umsatzsteuererklärung"},
                {"gewerbesteuererklärung", "Gewerbesteuererklärung"},
                {"déclaration des revenus", "Déclaration des revenus"},
                {"déclaration de revenus", "Déclaration des revenus"},
                {"aangifte inkomstenbelasting", "Aangifte inkomstenbelasting"},
                {"declaración de la renta", "Declaración de la renta"},
        };
        /* clang-format on */
        static const char *const year_labels[] = {"tax year",
                                                  "taxable year",
                                                  "for the year",
                                                  "calendar year",
                                                  "veranlagungszeitraum",
                                                  "steuerjahr",
                                                  "kalenderjahr",
                                                  "année d'imposition",
                                                  "revenus de l'année",
                                                  "revenus",
                                                  "belastingjaar",
                                                  "aangifte inkomstenbelasting",
                                                  "einkommensteuererklärung",
                                                  "déclaration des revenus",
                                                  "declaración de la renta",
                                                  "année des revenus",
                                                  "tax return",
                                                  "ejercicio",
                                                  NULL};
        static const char *const payer[] = {"taxpayer name",
                                            "name of taxpayer",
                                            "recipient's name",
                                            "employee's first name and "
                                            "initial, last name",
                                            "employee's name",
                                            "taxpayer",
                                            "name des steuerpflichtigen",
                                            "steuerpflichtige person",
                                            "steuerpflichtiger",
                                            "nom du contribuable",
                                            "contribuable",
                                            "naam belastingplichtige",
                                            "belastingplichtige",
                                            "contribuyente",
                                            NULL};
        static const char *const payer_not_after[] = {
                "identification", "id",      "number", "no", "nr",
                "signature",      "copy",    "'s",     "s",  "nummer",
                "numéro",         "address", NULL};
        const struct rule r_year = {V_YEAR, year_labels, NULL, NULL, NULL,
                                    0,      0,           0,    0};
        const struct rule r_payer = {
                V_TEXT, payer, NULL, payer_not_after, NULL, 0, 0, 0, 0};
        char out[BUILTIN_VALUE_MAX + 1];
        const char *const *p;
        size_t title = c->n < BUILTIN_TITLE_BYTES ? c->n : BUILTIN_TITLE_BYTES;
        size_t at, end, from, k;
        struct value v;
        int found = 0, y;
        size_t year_at = SIZE_MAX;

        for (p = ids; *p && !found; p++) {
                found = ctx_find(c, title, 0, *p, 1, &at, &end) &&
                        form_token(c, at, c->n, out, sizeof(out));
                if (found)
                        year_at = at + strlen(out);
        }
        for (from = 0; !found && ctx_find(c, c->n, from, "form", 0, &at, &end);
             from = end)
                found = end < c->n && c->f[end] == ' ' &&
                        form_token(c, end + 1, c->n, out, sizeof(out));
        for (k = 0; k < G_N_ELEMENTS(names) && !found; k++) {
                found = ctx_find(c, c->n, 0, names[k].pat, 0, &at, &end);
                if (found)
                        snprintf(out, sizeof(out), "%s", names[k].val);
        }
        if (found)
                set_str(o, "form", out);
        /* "1040 2023", "W-2 ... Internal Revenue Service 2023": the year
         * of the form on the line of its number. */
        y = 0;
        for (k = year_at; year_at != SIZE_MAX && k < c->n &&
                          k < year_at + 120 && c->f[k] != '\n';
             k++) {
                int yv;

                if (is_digit((unsigned char)c->f[k]) &&
                    token_start(c->f, k, year_at) &&
                    digits_at(c->f, k, c->n, &yv) == 4 && yv >= 1900 &&
                    yv <= 2100 && date_tail_ok(c->f, k + 4, c->n) &&
                    (k + 4 >= c->n || c->f[k + 4] != '-')) {
                        y = yv;
                        break;
                }
        }
        if (y) {
                snprintf(out, sizeof(out), "%04d", y);
                set_str(o, "tax_year", out);
        } else {
                find_set(o, "tax_year", c, &r_year, NULL);
        }
        if (names_row(c, out, sizeof(out)) ||
            (rule_find(c, &r_payer, &v) && person_name(v.str) &&
             snprintf(out, sizeof(out), "%s", v.str) > 0))
                set_str(o, "taxpayer", out);
}

static void fields_other(const struct fctx *c, json_t *o)
{
        struct value total;
        char date[11];

        if (doc_date(c, date))
                set_str(o, "date", date);
        if (rule_find(c, &r_total, &total)) {
                set_str(o, "total", total.str);
                set_str(o, "currency", total.cur ? total.cur : doc_cur(c));
        } else {
                set_str(o, "currency", doc_cur(c));
        }
}

/* English with no currency named: British (day first) by its companies'
 * legal forms or its VAT, American otherwise. */
static int british(const struct fctx *c)
{
        static const char *const gb[] = {"ltd",     "plc", "llp",
                                         "limited", "vat", NULL};
        const char *const *p;
        size_t at, end;

        for (p = gb; *p; p++)
                if (ctx_find(c, c->n, 0, *p, 0, &at, &end))
                        return 1;
        return 0;
}

json_t *builtin_fields(struct builtin *b, const char *cls, const char *text,
                       size_t len, const char *lang)
{
        /* clang-format off */
        static const struct {
                const char *cls;
                void (*fn)(const struct fctx *c, json_t *o);
        } by_class[] = {
                {"invoice", fields_invoice}, {"receipt", fields_receipt},
                {"bank_statement", fields_bank},
                {"annual_report", fields_annual},
                {"financial_report", fields_financial},
                {"contract", fields_contract}, {"tax_form", fields_tax},
        };
        /* clang-format on */
        void (*fn)(const struct fctx *c, json_t *o) = fields_other;
        json_t *o = json_object();
        struct window w;
        struct fctx c;
        struct fcache cache;
        size_t k;
        int dmy;

        (void)b;
        if (!o)
                abort(); /* out of memory is fatal, as in xmalloc */
        if (!text)
                len = 0;
        window_init(&w, text ? text : "", len, 0);
        memset(&c, 0, sizeof(c));
        c.s = text ? text : "";
        c.f = w.f;
        c.n = w.n;
        c.text = c.s;
        c.text_len = len;
        memset(&cache, 0, sizeof(cache));
        cache.main = &c;
        c.cache = &cache;
        /* Month first is American: English in any other currency (a
         * British or an Irish invoice), or from British companies, reads
         * 03/04 day first. */
        if (!lang || !lang[0] || strcmp(lang, "und") == 0)
                dmy = -1;
        else if (strcmp(lang, "en") != 0)
                dmy = 1;
        else if (doc_cur(&c))
                dmy = strcmp(doc_cur(&c), "USD") != 0;
        else
                dmy = british(&c);
        c.dmy = slash_order(&c, dmy);
        lines_build(&c);
        ctx_index(&c);
        c.unit = report_unit(&c);
        for (k = 0; cls && k < G_N_ELEMENTS(by_class); k++)
                if (strcmp(cls, by_class[k].cls) == 0)
                        fn = by_class[k].fn;
        fn(&c, o);
        free(c.lines);
        ctx_index_free(&c);
        window_cleanup(&w);
        return o;
}

/* ---- summarize ------------------------------------------------------- */

/* A growing string with a hard cap (cap bytes, plus the NUL). */
struct sbuf {
        char *p;
        size_t n, cap;
};

/* Appends s[0..n) as clean text: white space and control bytes become
 * single spaces, invalid UTF-8 is dropped; stops writing at the first
 * character that does not fit. Returns the bytes the clean text needs
 * (whether or not it fit), so that a struct sbuf with no buffer measures. */
static size_t sb_clean(struct sbuf *sb, const char *s, size_t n)
{
        const unsigned char *u = (const unsigned char *)s;
        size_t i = 0, need = 0;
        int space = sb->n == 0 || sb->p[sb->n - 1] == ' ', full = !sb->p;

        while (i < n) {
                size_t k = u[i] < 0x80 ? 1 : utf8_seq(u + i, n - i);
                const unsigned char *src = u + i;

                if (k == 0) {
                        i++;
                        continue;
                }
                if (k == 1 && (u[i] < 0x20 || u[i] == 0x7F || u[i] == ' ')) {
                        i++;
                        if (space)
                                continue;
                        src = (const unsigned char *)" ";
                        space = 1;
                } else {
                        i += k;
                        space = 0;
                }
                need += k;
                if (!full && sb->n + k <= sb->cap) {
                        memcpy(sb->p + sb->n, src, k);
                        sb->n += k;
                } else {
                        full = 1;
                }
        }
        if (!sb->p)
                return need;
        while (sb->n > 0 && sb->p[sb->n - 1] == ' ')
                sb->n--;
        sb->p[sb->n] = '\0';
        return need;
}

/* Appends s[0..n) cleaned, cut at the last word that fits, and "…" after
 * it; start is where this piece begins in sb. With no room for a word and
 * the ellipsis it keeps what fits of s, cut between characters. */
static void sb_ellipsis(struct sbuf *sb, size_t start, const char *s, size_t n)
{
        size_t cap = sb->cap;

        if (cap < start + 3 + 8) {
                sb_clean(sb, s, n);
                return;
        }
        sb->cap = cap - 3;
        sb_clean(sb, s, n);
        sb->cap = cap;
        while (sb->n > start && sb->p[sb->n - 1] != ' ')
                sb->n--;
        while (sb->n > start && sb->p[sb->n - 1] == ' ')
                sb->n--;
        if (sb->n == start)
                return;
        memcpy(sb->p + sb->n, "\xe2\x80\xa6", 3);
        sb->n += 3;
        sb->p[sb->n] = '\0';
}

static void ap(char *out, size_t cap, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Appends a formatted piece to out (bounded by cap). */
static void ap(char *out, size_t cap, const char *fmt, ...)
{
        size_t l = strlen(out);
        va_list va;

        if (l + 1 >= cap)
                return;
        va_start(va, fmt);
        vsnprintf(out + l, cap - l, fmt, va);
        va_end(va);
}

/* A field of the lead sentence: a string value of fields, cleaned and
 * short (fields may come from a remote model), or NULL. */
static const char *fv(const json_t *fields, const char *key, char *buf,
                      size_t cap)
{
        const json_t *v = fields ? json_object_get(fields, key) : NULL;
        struct sbuf sb = {buf, 0, cap - 1};
        const char *s;

        if (!json_is_string(v))
                return NULL;
        s = json_string_value(v);
        sb_clean(&sb, s, strlen(s));
        sb.n = utf8_cut(buf, sb.n, sb.n);
        buf[sb.n] = '\0';
        return sb.n ? buf : NULL;
}

/* The words of the lead sentence, per language: what a reader of the
 * document reads. */
struct lead_words {
        const char *lang;
        char group; /* thousands separator */
        const char *document, *dated, *total, *invoice, *from, *to, *issued,
                *due, *receipt, *on, *statement, *for_, *opening, *closing,
                *annual, *financial, *of, *fiscal, *period, *revenue, *income,
                *contract, *between, *and_, *effective, *law, *tax, *tax_year,
                *taxpayer;
        int comma; /* amounts 1.234,56 (1), 1,234.56 (0); the currency
                    * goes after (1) or before (0) */
};

/* clang-format off */
static const struct lead_words lead_words[] = {
        {"en", ',', "Document", "dated", "total", "Invoice", "from", "to",
         "issued", "due", "Receipt", "on", "Bank statement", "for",
         "opening balance", "closing balance", "Annual report",
         "Financial report", "of", "for fiscal year",
         "for the period ended", "revenue", "net income", "Contract",
         "between", "and", "effective", "governed by the law of",
         "Tax form", "for tax year", "taxpayer", 0},
        {"de", '.', "Dokument", "vom", "Summe", "Rechnung", "von", "an",
         "ausgestellt am", "fällig am", "Kassenbon", "vom", "Kontoauszug",
         "für", "Anfangssaldo", "Endsaldo", "Geschäftsbericht",
         "Finanzbericht", "der", "für das Geschäftsjahr",
         "für den Zeitraum bis", "Umsatz", "Jahresüberschuss", "Vertrag",
         "zwischen", "und", "gültig ab", "anwendbares Recht:",
         "Steuerformular", "für das Steuerjahr", "steuerpflichtig", 1},
        {"fr", ' ', "Document", "du", "total", "Facture", "de", "à",
         "émise le", "échéance le", "Ticket de caisse", "du",
         "Relevé de compte", "de", "solde initial", "solde final",
         "Rapport annuel", "Rapport financier", "de", "pour l'exercice",
         "pour la période close le", "chiffre d'affaires", "résultat net",
         "Contrat", "entre", "et", "en vigueur le", "droit applicable :",
         "Formulaire fiscal", "pour l'année", "contribuable", 1},
        {"nl", '.', "Document", "van", "totaal", "Factuur", "van", "aan",
         "gedateerd", "vervalt op", "Kassabon", "van", "Rekeningafschrift",
         "voor", "beginsaldo", "eindsaldo", "Jaarverslag",
         "Financieel verslag", "van", "over boekjaar",
         "over de periode tot", "omzet", "nettowinst", "Overeenkomst",
         "tussen", "en", "ingaande", "toepasselijk recht:",
         "Belastingformulier", "over belastingjaar", "belastingplichtige",
         1},
        {"es", '.', "Documento", "de fecha", "total", "Factura", "de", "a",
         "emitida el", "vence el", "Ticket de compra", "del",
         "Extracto de cuenta", "de", "saldo inicial", "saldo final",
         "Informe anual", "Informe financiero", "de", "del ejercicio",
         "del periodo terminado el", "ingresos", "resultado neto",
         "Contrato", "entre", "y", "con efectos desde",
         "legislación aplicable:", "Formulario fiscal", "del ejercicio",
         "contribuyente", 1},
};
/* clang-format on */

/* "1234.56" grouped the way the words' language writes it: "1,234.56",
 * "1.234,56"; anything else as it is. */
static void lead_money(const char *x, int comma, char group, char *out,
                       size_t cap)
{
        size_t n = strlen(x), dot, i, o = 0;
        int neg = x[0] == '-';

        dot = strcspn(x, ".");
        for (i = (size_t)neg; i < n; i++)
                if (!is_digit((unsigned char)x[i]) && i != dot)
                        break;
        if (i < n || dot == n || n - dot != 3 || dot == (size_t)neg ||
            cap < 2 * n + 4) {
                snprintf(out, cap, "%s", x);
                return;
        }
        if (neg)
                out[o++] = '-';
        for (i = (size_t)neg; i < dot; i++) {
                out[o++] = x[i];
                if (i + 1 < dot && (dot - i - 1) % 3 == 0)
                        out[o++] = group;
        }
        out[o++] = comma ? ',' : '.';
        out[o++] = x[dot + 1];
        out[o++] = x[dot + 2];
        out[o] = '\0';
}

/* "Invoice INV-1 from A to B, EUR 1,234.56, issued 2024-03-12, due ...",
 * in the document's language (lang; English when it is none of the
 * lead's). */
static void lead_sentence(const char *cls, const json_t *fields,
                          const char *lang, char *out, size_t cap)
{
        const struct lead_words *w = &lead_words[0];
        char a[96], b[96], c[96], d[96], e[16], m[128];
        const char *x, *y, *cur;
        const json_t *parties;
        size_t k;

        for (k = 0; lang && k < G_N_ELEMENTS(lead_words); k++)
                if (strcmp(lead_words[k].lang, lang) == 0)
                        w = &lead_words[k];
        out[0] = '\0';
        cur = fv(fields, "currency", e, sizeof(e));
#define MONEY(label, key)                                                      \
        do {                                                                   \
                if ((x = fv(fields, key, d, sizeof(d))) != NULL) {             \
                        lead_money(x, w->comma, w->group, m, sizeof(m));       \
                        if (w->comma)                                          \
                                ap(out, cap, ", %s%s%s%s%s", label,            \
                                   label[0] ? " " : "", m, cur ? " " : "",     \
                                   cur ? cur : "");                            \
                        else                                                   \
                                ap(out, cap, ", %s%s%s%s%s", label,            \
                                   label[0] ? " " : "", cur ? cur : "",        \
                                   cur ? " " : "", m);                         \
                }                                                              \
        } while (0)
        if (!cls || strcmp(cls, "other") == 0) {
                x = fv(fields, "date", a, sizeof(a));
                y = fv(fields, "total", b, sizeof(b));
                if (!x && !y)
                        return;
                snprintf(out, cap, "%s", w->document);
                if (x)
                        ap(out, cap, " %s %s", w->dated, x);
                MONEY(w->total, "total");
        } else if (strcmp(cls, "invoice") == 0) {
                snprintf(out, cap, "%s", w->invoice);
                if ((x = fv(fields, "invoice_number", a, sizeof(a))) != NULL)
                        ap(out, cap, " %s", x);
                if ((x = fv(fields, "vendor", b, sizeof(b))) != NULL)
                        ap(out, cap, " %s %s", w->from, x);
                if ((x = fv(fields, "customer", c, sizeof(c))) != NULL)
                        ap(out, cap, " %s %s", w->to, x);
                MONEY("", "total");
                if ((x = fv(fields, "issue_date", a, sizeof(a))) != NULL)
                        ap(out, cap, ", %s %s", w->issued, x);
                if ((x = fv(fields, "due_date", a, sizeof(a))) != NULL)
                        ap(out, cap, ", %s %s", w->due, x);
        } else if (strcmp(cls, "receipt") == 0) {
                snprintf(out, cap, "%s", w->receipt);
                if ((x = fv(fields, "merchant", a, sizeof(a))) != NULL)
                        ap(out, cap, " %s %s", w->from, x);
                if ((x = fv(fields, "date", b, sizeof(b))) != NULL)
                        ap(out, cap, " %s %s", w->on, x);
                MONEY("", "total");
        } else if (strcmp(cls, "bank_statement") == 0) {
                snprintf(out, cap, "%s", w->statement);
                if ((x = fv(fields, "account_holder", a, sizeof(a))) != NULL)
                        ap(out, cap, " %s %s", w->for_, x);
                if ((x = fv(fields, "iban", b, sizeof(b))) != NULL)
                        ap(out, cap, " (%s)", x);
                x = fv(fields, "period_start", a, sizeof(a));
                y = fv(fields, "period_end", b, sizeof(b));
                if (x && y)
                        ap(out, cap, ", %s - %s", x, y);
                MONEY(w->opening, "opening_balance");
                MONEY(w->closing, "closing_balance");
        } else if (strcmp(cls, "annual_report") == 0 ||
                   strcmp(cls, "financial_report") == 0) {
                snprintf(out, cap, "%s",
                         cls[0] == 'a' ? w->annual : w->financial);
                if ((x = fv(fields, "company", a, sizeof(a))) != NULL)
                        ap(out, cap, " %s %s", w->of, x);
                if ((x = fv(fields, "fiscal_year", b, sizeof(b))) != NULL)
                        ap(out, cap, " %s %s", w->fiscal, x);
                if ((x = fv(fields, "period_end", b, sizeof(b))) != NULL)
                        ap(out, cap, " %s %s", w->period, x);
                MONEY(w->revenue, "revenue");
                MONEY(w->income, "net_income");
        } else if (strcmp(cls, "contract") == 0) {
                snprintf(out, cap, "%s", w->contract);
                parties = fields ? json_object_get(fields, "parties") : NULL;
                if (json_is_array(parties) && json_array_size(parties) >= 2) {
                        json_t *p0 = json_array_get(parties, 0);
                        json_t *p1 = json_array_get(parties, 1);
                        json_t *tmp = json_pack("{sOsO}", "a", p0, "b", p1);

                        x = fv(tmp, "a", a, sizeof(a));
                        y = fv(tmp, "b", b, sizeof(b));
                        if (x && y)
                                ap(out, cap, " %s %s %s %s", w->between, x,
                                   w->and_, y);
                        json_decref(tmp);
                }
                if ((x = fv(fields, "effective_date", c, sizeof(c))) != NULL)
                        ap(out, cap, ", %s %s", w->effective, x);
                if ((x = fv(fields, "governing_law", d, sizeof(d))) != NULL)
                        ap(out, cap, ", %s %s", w->law, x);
        } else if (strcmp(cls, "tax_form") == 0) {
                snprintf(out, cap, "%s", w->tax);
                if ((x = fv(fields, "form", a, sizeof(a))) != NULL)
                        ap(out, cap, " %s", x);
                if ((x = fv(fields, "tax_year", b, sizeof(b))) != NULL)
                        ap(out, cap, " %s %s", w->tax_year, x);
                if ((x = fv(fields, "taxpayer", c, sizeof(c))) != NULL)
                        ap(out, cap, ", %s %s", w->taxpayer, x);
        } else {
                /* A class of a custom taxonomy: "purchase_order" reads
                 * "Purchase order". */
                snprintf(out, cap, "%s", cls);
                for (k = 0; out[k]; k++)
                        if (out[k] == '_')
                                out[k] = ' ';
                if (is_alpha((unsigned char)out[0]))
                        out[0] = (char)(out[0] & ~0x20);
        }
#undef MONEY
        ap(out, cap, ".");
}

struct sent {
        size_t off, len;
        double score;
        size_t clean; /* bytes once cleaned; set when considered */
        int pick;
};

static const char *const stopwords[] = {
        "the",  "and",  "for",  "are",  "was",  "were", "with", "that", "this",
        "from", "have", "has",  "not",  "you",  "your", "our",  "will", "shall",
        "all",  "any",  "but",  "can",  "its",  "may",  "per",  "der",  "die",
        "das",  "und",  "mit",  "von",  "für",  "den",  "dem",  "des",  "ein",
        "eine", "ist",  "sind", "auf",  "les",  "des",  "une",  "est",  "pour",
        "par",  "dans", "sur",  "aux",  "avec", "qui",  "que",  "het",  "een",
        "van",  "voor", "met",  "zijn", "niet", "los",  "las",  "del",  "por",
        "con",  "para", "una",  NULL};

/* Appends a sentence [st, e) of f (trimmed) unless it is empty. */
static void sent_push(struct sent **v, size_t *n, size_t *cap, const char *f,
                      size_t st, size_t e)
{
        while (st < e && is_space((unsigned char)f[st]))
                st++;
        while (e > st && is_space((unsigned char)f[e - 1]))
                e--;
        if (e == st)
                return;
        if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 64;
                *v = xrealloc(*v, *cap * sizeof(**v));
        }
        memset(&(*v)[*n], 0, sizeof(**v));
        (*v)[*n].off = st;
        (*v)[*n].len = e - st;
        (*n)++;
}

/* Splits f into sentences: at . ! ? before a capital, a digit or the end
 * (not after abbreviations), at page breaks and blank lines, and at line
 * ends unless a long line of prose runs on. */
static size_t sentences(const char *f, size_t n, struct sent **out)
{
        static const char *const abbr[] = {
                "no",   "nr",   "vs",   "etc", "inc", "ltd",    "co",  "corp",
                "dr",   "mr",   "mrs",  "ms",  "st",  "ca",     "bzw", "usw",
                "abs",  "art",  "vol",  "pp",  "fig", "approx", "ggf", "inkl",
                "zzgl", "incl", "excl", "nos", "e.g", "i.e",    "z.b", "u.a",
                "resp", "jan",  "feb",  "mar", "apr", "jun",    "jul", "aug",
                "sep",  "sept", "oct",  "nov", "dec", NULL};
        struct sent *v = NULL;
        size_t cnt = 0, cap = 0, i, st = 0, ls = 0, j, w, nl;
        unsigned char nx;
        char low[8];

        for (i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)f[i];

                if (ch == '\f') {
                        sent_push(&v, &cnt, &cap, f, st, i);
                        st = ls = i + 1;
                } else if (ch == '\n' || ch == '\r') {
                        nl = 0;
                        for (j = i; j < n && is_space((unsigned char)f[j]) &&
                                    f[j] != '\f';
                             j++)
                                nl += f[j] == '\n';
                        nx = j < n ? (unsigned char)f[j] : 0;
                        /* Prose wrapped by the PDF runs on in lower case. */
                        if (nl > 1 || i - ls < 40 || j == n ||
                            strchr(".!?:;", f[i > 0 ? i - 1 : 0]) ||
                            !((nx >= 'a' && nx <= 'z') || nx >= 0x80)) {
                                sent_push(&v, &cnt, &cap, f, st, i);
                                st = j;
                        }
                        ls = j;
                        i = j - 1;
                } else if ((ch == '.' || ch == '!' || ch == '?') &&
                           (i + 1 == n || f[i + 1] == ' ')) {
                        j = skip_blank(f, i + 1, n);
                        nx = j < n ? (unsigned char)f[j] : 0;
                        for (w = i;
                             w > st && (is_alpha((unsigned char)f[w - 1]) ||
                                        f[w - 1] == '.');
                             w--)
                                ;
                        if (ch == '.' && i - w < sizeof(low)) {
                                fold(f + w, i - w, low);
                                if (i - w <= 1 || word_in(low, 0, i - w, abbr))
                                        continue;
                        }
                        if (j < n &&
                            !(is_upper((unsigned char)f[j]) || is_digit(nx) ||
                              nx >= 0x80 || nx == '"' || nx == '\n'))
                                continue;
                        sent_push(&v, &cnt, &cap, f, st, i + 1);
                        st = i + 1;
                }
        }
        sent_push(&v, &cnt, &cap, f, st, n);
        *out = v;
        return cnt;
}

/* A hash table of byte strings that all live in one buffer (the folded
 * window of summarize, under 4 GiB), each kept as an offset and a length:
 * the term frequencies and the sentences already seen. GHashTable would
 * want a NUL-terminated copy of every key, an allocation for each word of
 * the text, which was most of summarize's time. Open addressing with
 * linear probing, at most half full, doubles when it gets there. An entry
 * is 16 bytes: the table of a long document's words (a few thousand)
 * stays in the cache that the probes read. */
struct spanent {
        uint32_t off, len; /* the key, f[off..off + len); len 0: free */
        double w;          /* term frequencies: the count, then log1p(count) */
};

struct spantab {
        const char *f;         /* borrowed: what the keys point into */
        struct spanent *slots; /* new */
        size_t mask;           /* slots - 1, a power of two */
        size_t n;              /* entries */
};

/* An empty table for keys in f, with room for about hint of them before
 * it grows. */
static void spantab_init(struct spantab *t, const char *f, size_t hint)
{
        size_t slots = 256;

        while (slots < 2 * hint && slots < ((size_t)1 << 20))
                slots *= 2;
        t->f = f;
        t->mask = slots - 1;
        t->n = 0;
        t->slots = xcalloc(slots, sizeof(*t->slots));
}

static void spantab_cleanup(struct spantab *t)
{
        free(t->slots);
        t->slots = NULL;
}

/* FNV-1a, its high bits folded in: the slot is taken from the low bits. */
static size_t span_hash(const char *p, size_t n)
{
        uint64_t h = 14695981039346656037ULL;
        size_t i;

        for (i = 0; i < n; i++) {
                h ^= (unsigned char)p[i];
                h *= 1099511628211ULL;
        }
        return (size_t)(h ^ (h >> 32));
}

/* The entry whose key equals key[0..len) (len > 0), or the free slot
 * where it would go (len 0). key need not point into t->f. */
static struct spanent *spantab_find(const struct spantab *t, const char *key,
                                    size_t len)
{
        size_t i = span_hash(key, len) & t->mask;

        for (;; i = (i + 1) & t->mask) {
                struct spanent *se = &t->slots[i];

                if (se->len == 0 ||
                    (se->len == len && memcmp(t->f + se->off, key, len) == 0))
                        return se;
        }
}

/* Adds the key f[off..off + len), which is not in t yet, and returns its
 * entry (w 0). */
static struct spanent *spantab_add(struct spantab *t, size_t off, size_t len)
{
        struct spanent *se;

        if (2 * (t->n + 1) > t->mask + 1) {
                struct spanent *old = t->slots;
                size_t i, slots = t->mask + 1;

                t->mask = 2 * slots - 1;
                t->slots = xcalloc(2 * slots, sizeof(*t->slots));
                for (i = 0; i < slots; i++)
                        if (old[i].len)
                                *spantab_find(t, t->f + old[i].off,
                                              old[i].len) = old[i];
                free(old);
        }
        se = spantab_find(t, t->f + off, len);
        se->off = (uint32_t)off;
        se->len = (uint32_t)len;
        t->n++;
        return se;
}

/* Term frequencies of the content words (3 to 32 bytes of letters, not a
 * stop word) of f, at most BUILTIN_WORDS_MAX distinct, into tf (empty,
 * keys in f). A word found in tf is no stop word: only new words are
 * looked for in the list. */
static void term_freq(struct spantab *tf, const char *f, size_t n)
{
        struct spanent *se;
        size_t i = 0, e;

        while (i < n) {
                if (!(is_alpha((unsigned char)f[i]) ||
                      (unsigned char)f[i] >= 0x80)) {
                        i++;
                        continue;
                }
                for (e = i; e < n && (is_alpha((unsigned char)f[e]) ||
                                      (unsigned char)f[e] >= 0x80);
                     e++)
                        ;
                if (e - i >= 3 && e - i <= 32) {
                        se = spantab_find(tf, f + i, e - i);
                        if (se->len)
                                se->w++;
                        else if (tf->n < BUILTIN_WORDS_MAX &&
                                 !word_in(f, i, e, stopwords))
                                spantab_add(tf, i, e - i)->w = 1;
                }
                i = e;
        }
        for (i = 0; i <= tf->mask; i++)
                if (tf->slots[i].len)
                        tf->slots[i].w = log1p(tf->slots[i].w);
}

/* Informative: frequent content words (mean log tf), early in the text,
 * with figures; not a fragment, not a table row, not a wall of text. */
static double sent_score(const char *f, const char *s, const struct sent *st,
                         const struct spantab *tf)
{
        const char *p = f + st->off;
        size_t i = 0, e, words = 0, content = 0, letters = 0, gaps = 0;
        size_t lower = 0, colons = 0;
        double sum = 0, score;
        int digits = 0, money = 0;

        while (i < st->len) {
                unsigned char ch = (unsigned char)p[i];

                colons += ch == ':' || ch == '@';
                if (ch == 'w' && i + 3 < st->len &&
                    memcmp(p + i, "www.", 4) == 0)
                        colons += 2; /* a web address: a footer */
                if (is_digit(ch))
                        digits = 1;
                if (ch == '$' || ch == 0xE2 || ch == 0xC2)
                        money = 1;
                if (ch == ' ' && i + 2 < st->len && p[i + 1] == ' ' &&
                    p[i + 2] == ' ')
                        gaps++;
                if (!(is_alpha(ch) || ch >= 0x80)) {
                        i++;
                        continue;
                }
                for (e = i; e < st->len && (is_alpha((unsigned char)p[e]) ||
                                            (unsigned char)p[e] >= 0x80);
                     e++)
                        ;
                words++;
                letters += e - i;
                lower += s[st->off + i] >= 'a' && s[st->off + i] <= 'z';
                if (e - i >= 3 && e - i <= 32) {
                        /* A word not in tf weighs log1p(0) = 0. */
                        sum += spantab_find(tf, p + i, e - i)->w;
                        content++;
                }
                i = e;
        }
        score = (content ? sum / sqrt((double)content + 2.0) : 0) +
                1.5 / (1.0 + (double)st->off / 4000.0) + 0.25 * digits +
                0.25 * money;
        /* Fragments (labels), table rows and column layouts are not
         * sentences at all. */
        if (words < 5 || st->len < 25 || gaps > 0 ||
            (double)letters < 0.55 * (double)st->len)
                return 0;
        /* Nor are rows of labels ("Invoice No.: Date:"), rows of figures
         * or letterheads and footers (names and places in capitals):
         * prose has small words. */
        if (colons >= 2 || lower < 3 || lower * 4 < words ||
            line_is_row(p, 0, st->len))
                return 0;
        if (words < 6)
                score *= 0.5;
        if (st->len > 400)
                score *= 0.5;
        return score;
}

/* A sentence said twice (letterheads, footers on every page) counts once:
 * later copies score 0. */
static void dedupe(const char *f, struct sent *v, size_t n)
{
        struct spantab seen;
        size_t i;

        spantab_init(&seen, f, n);
        for (i = 0; i < n; i++) {
                if (spantab_find(&seen, f + v[i].off, v[i].len)->len)
                        v[i].score = 0;
                else
                        spantab_add(&seen, v[i].off, v[i].len);
        }
        spantab_cleanup(&seen);
}

static int ends_sentence(const char *s, size_t n)
{
        while (n > 0 && is_space((unsigned char)s[n - 1]))
                n--;
        return n > 0 && strchr(".!?:;\"')", s[n - 1]);
}

static int by_score(const void *a, const void *b)
{
        const struct sent *x = *(const struct sent *const *)a;
        const struct sent *y = *(const struct sent *const *)b;

        if (x->score != y->score)
                return x->score < y->score ? 1 : -1;
        return x->off < y->off ? -1 : x->off > y->off;
}

char *builtin_summarize(struct builtin *b, const char *cls,
                        const json_t *fields, const char *text, size_t len,
                        const char *lang)
{
        size_t max = b ? b->summary_max : BUILTIN_SUMMARY_DEFAULT;
        struct sbuf sb = {xmalloc(max + 1), 0, max}, probe = {NULL, 0, 0};
        char lead[512];
        struct sent *v = NULL, **order;
        struct window w;
        struct spantab tf;
        size_t n, i, cands, picked = 0, used, room;
        double best;

        sb.p[0] = '\0';
        lead_sentence(cls, fields, lang, lead, sizeof(lead));
        if (sb_clean(&probe, lead, strlen(lead)) <= max)
                sb_clean(&sb, lead, strlen(lead));
        else
                sb_ellipsis(&sb, 0, lead, strlen(lead));
        if (!text || len == 0)
                return sb.p;

        window_init(&w, text, len, 0);
        n = sentences(text, w.n, &v);
        /* Prose has about one distinct content word in 30 bytes of its
         * first pages, fewer further on; forms and tables far fewer: the
         * table starts small and grows (a zeroed table of the largest
         * size, for a statement's two hundred words, took more time than
         * counting them). */
        spantab_init(&tf, w.f, w.n / 64);
        term_freq(&tf, w.f, w.n);
        for (i = 0; i < n; i++)
                v[i].score = sent_score(w.f, text, &v[i], &tf);
        dedupe(w.f, v, n);
        best = 0;
        for (i = 0; i < n; i++)
                if (v[i].score > best)
                        best = v[i].score;
        /* Candidates, best first: only those may be picked (in tables and
         * lists most lines score 0), so only those are sorted. */
        order = xmalloc((n ? n : 1) * sizeof(*order));
        for (i = 0, cands = 0; i < n; i++)
                if (v[i].score > 0 && v[i].score >= 0.35 * best)
                        order[cands++] = &v[i];
        qsort(order, cands, sizeof(*order), by_score);
        used = sb.n;
        for (i = 0; i < cands && picked < BUILTIN_SUMMARY_SENTENCES; i++) {
                order[i]->clean =
                        sb_clean(&probe, text + order[i]->off, order[i]->len) +
                        !ends_sentence(text + order[i]->off, order[i]->len);
                if (order[i]->clean == 0 ||
                    used + (used ? 1 : 0) + order[i]->clean > max)
                        continue;
                used += (used ? 1 : 0) + order[i]->clean;
                order[i]->pick = 1;
                picked++;
        }
        for (i = 0; i < n; i++) {
                if (!v[i].pick)
                        continue;
                if (sb.n)
                        sb.p[sb.n++] = ' ';
                sb_clean(&sb, text + v[i].off, v[i].len);
                if (!ends_sentence(sb.p, sb.n) && sb.n < sb.cap) {
                        sb.p[sb.n++] = '.'; /* a title line, closed */
                        sb.p[sb.n] = '\0';
                }
        }
        /* Nothing fits whole: the best sentence, cut at a word, with an
         * ellipsis, if there is room for a useful part of it. */
        room = max > sb.n + 1 ? max - sb.n - 1 : 0;
        if (!picked && cands && room >= 40) {
                size_t start = sb.n ? sb.n + 1 : 0;

                if (sb.n)
                        sb.p[sb.n++] = ' ';
                sb_ellipsis(&sb, start, text + order[0]->off, order[0]->len);
                if (sb.n < start && start) /* nothing of it fitted */
                        sb.n = start - 1;
                sb.p[sb.n] = '\0';
        }
        spantab_cleanup(&tf);
        free(order);
        free(v);
        window_cleanup(&w);
        return sb.p;
}

long builtin_doc_tokens(struct doc *doc)
{
        if (doc->text_tokens == 0 && doc->text && doc->text_len > 0)
                doc->text_tokens = builtin_tokens(doc->text, doc->text_len);
        return doc->text_tokens;
}

/* Tokens the way a BPE tokenizer (cl100k-like) would count them, without
 * its vocabulary: a run of letters costs one token per 5 bytes started
 * (common English words are one token, long or non-Latin ones more), a
 * run of digits one per 3 digits, a run of punctuation one per 3 bytes,
 * each character of three or four bytes (CJK, symbols) one, a run of two
 * or more white space bytes one (a single space rides on the next word),
 * and each invalid byte one. English prose comes out near 4.2 bytes a
 * token. Never 0 for non-empty text. */
long builtin_tokens(const char *text, size_t len)
{
        const unsigned char *s = (const unsigned char *)text;
        size_t i = 0, e;
        long t = 0;

        if (!text || len == 0)
                return 0;
        /* Called on whole documents, several times each: the runs are read
         * byte by byte, and utf8_seq only decides the rare 3- and 4-byte
         * or invalid sequences. */
        while (i < len) {
                unsigned char ch = s[i];

                if (is_alpha(ch)) {
                        /* Letters and 2-byte characters, mixed. */
                        e = i + 1;
                        for (;;) {
                                if (e < len && is_alpha(s[e]))
                                        e++;
                                else if (utf8_two(s, e, len))
                                        e += 2;
                                else
                                        break;
                        }
                        t += (long)((e - i + 4) / 5);
                        i = e;
                } else if (is_space(ch)) {
                        for (e = i; e < len && is_space(s[e]); e++)
                                ;
                        t += e - i > 1 || ch != ' ';
                        i = e;
                } else if (is_digit(ch)) {
                        for (e = i; e < len && is_digit(s[e]); e++)
                                ;
                        t += (long)((e - i + 2) / 3);
                        i = e;
                } else if (utf8_two(s, i, len)) {
                        for (e = i; utf8_two(s, e, len); e += 2)
                                ;
                        t += (long)((e - i + 4) / 5);
                        i = e;
                } else if (ch < 0x80) {
                        for (e = i; e < len && s[e] < 0x80 && !is_space(s[e]) &&
                                    !is_alpha(s[e]) && !is_digit(s[e]);
                             e++)
                                ;
                        t += (long)((e - i + 2) / 3);
                        i = e;
                } else {
                        size_t k = utf8_seq(s + i, len - i);

                        t++;
                        i += k ? k : 1;
                }
        }
        return t > 0 ? t : 1;
}
