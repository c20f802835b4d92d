/*
 * docgen: synthetic financial documents for docpipe's demo, tests,
 * benchmarks and `docpipe eval`.
 *
 * It draws invoices, receipts, bank statements, annual and quarterly
 * reports, contracts, tax forms and other business documents (letters,
 * delivery notes, quotations, purchase orders: the look-alikes a
 * classifier must not call invoices) as PDFs on cairo's PDF surface, as
 * real text in the DejaVu fonts so that Poppler extracts it, and writes
 * beside each NAME.pdf a NAME.json with the ground truth: the class, the
 * language, the normalized fields that schemas/fields/CLASS.json describes
 * and the number of pages. Everything comes from a seeded splitmix64
 * generator and the PDF dates are fixed, so a seed gives the same bytes.
 *
 * So that passing it means something, the documents vary the way real
 * ones do: seven countries in five languages (English, German, French,
 * Dutch, Spanish) with their number formats (1,234.56 / 1.234,56 /
 * 1 234,56 / 1'234.56), numeric and written dates ("12. März 2024",
 * "12 mars 2024", "March 12, 2024", "12 de marzo de 2024"), currency
 * symbols before or after the amount or ISO codes; invoices in five
 * layouts (letterhead with a label block, side band, monospaced, a header
 * row of labels over a row of values, and a letter whose number and date
 * sit in one sentence) with label synonyms, upper-case labels, and noise:
 * order and customer numbers, order and delivery dates, register numbers,
 * fees in the small print, copy stamps, page footers.
 *
 * Paragraph text fills a document up to the page count asked for; a count
 * below what a type's fixed parts need (an annual report needs 6) comes
 * out longer, and "pages" always records the real count.
 *
 * Owns: the font faces shared by all documents and, for one document at a
 * time, its cairo surface and context and the ground truth being built.
 * Caps: DOCGEN_MAX_PAGES pages per requested document, DOCGEN_MAX_DOCS per
 * corpus, DOCGEN_MAX_ITEMS and DOCGEN_MAX_TX table rows, DOCGEN_LINE_MAX
 * bytes per laid-out line (longer text is cut at a character boundary).
 *
 *   docgen samples OUTDIR                     the demo set, fixed seed
 *   docgen corpus OUTDIR N [SEED]             N mixed documents, 1..50 pages
 *   docgen one TYPE OUTFILE [SEED] [PAGES]    one document of class TYPE
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <glib.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOCGEN_MAX_PAGES 50
#define DOCGEN_MAX_DOCS 100000
#define DOCGEN_MAX_ITEMS 64
#define DOCGEN_MAX_TX 256
#define DOCGEN_LINE_MAX 1024
#define DOCGEN_SAMPLE_SEED 20240117u

#define A4_W 595.28
#define A4_H 841.89
#define LETTER_W 612.0
#define LETTER_H 792.0

#define PICK(r, a) ((a)[rng_int((r), 0, (int)G_N_ELEMENTS(a) - 1)])

/* Drops an incomplete UTF-8 sequence that truncation left at the end. */
static void utf8_trim(char *s)
{
        size_t n = strlen(s), k = n, need;
        unsigned char lead;

        while (k > 0 && ((unsigned char)s[k - 1] & 0xC0) == 0x80)
                k--;
        if (k == 0)
                return;
        lead = (unsigned char)s[k - 1];
        need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (n - (k - 1) < need)
                s[k - 1] = '\0';
}

/* snprintf that cuts at a UTF-8 character boundary; all formatting into
 * fixed buffers goes through here. */
static void bprintf(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void bprintf(char *buf, size_t n, const char *fmt, ...)
{
        va_list ap;
        int len;

        va_start(ap, fmt);
        len = vsnprintf(buf, n, fmt, ap);
        va_end(ap);
        if (len >= 0 && (size_t)len >= n)
                utf8_trim(buf);
}

/* ---- random numbers: splitmix64, small and good enough for test data ---- */

struct rng {
        uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
        uint64_t z;

        r->s += 0x9e3779b97f4a7c15ull;
        z = r->s;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
}

/* A number in [lo, hi]; the ranges are small, so modulo bias is negligible. */
static long long rng_ll(struct rng *r, long long lo, long long hi)
{
        return lo + (long long)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static int rng_int(struct rng *r, int lo, int hi)
{
        return (int)rng_ll(r, lo, hi);
}

static int rng_chance(struct rng *r, int percent)
{
        return rng_int(r, 0, 99) < percent;
}

/* ---- languages ---- */

enum lang { LANG_EN, LANG_DE, LANG_FR, LANG_NL, LANG_ES, LANG_COUNT };

static const char *const lang_code[LANG_COUNT] = {"en", "de", "fr", "nl",
                                                  "es"};

/* L(en, de, fr, nl, es): one string per language, in that order. */
#define L5(en, de, fr, nl, es)                                                 \
        {                                                                      \
                en, de, fr, nl, es                                             \
        }
typedef const char *const l5[LANG_COUNT];

/* ---- dates (proleptic Gregorian, days since 1970-01-01) ---- */

struct date {
        int y, m, d;
};

/* Numeric forms, and the written form of the document's language. */
enum datefmt {
        DF_ISO,    /* 2024-03-12 */
        DF_DE,     /* 12.03.2024 */
        DF_DE_S,   /* 12.3.2024 */
        DF_US,     /* 03/12/2024 */
        DF_GB,     /* 12/03/2024 */
        DF_NL,     /* 12-03-2024 */
        DF_NL_S,   /* 12-3-2024 */
        DF_LONG,   /* written, in the language (below) */
        DF_LONG_US /* March 12, 2024 */
};

static const char *const month_names[LANG_COUNT][12] = {
    {"January", "February", "March", "April", "May", "June", "July", "August",
     "September", "October", "November", "December"},
    {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
     "September", "Oktober", "November", "Dezember"},
    {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
     "septembre", "octobre", "novembre", "décembre"},
    {"januari", "februari", "maart", "april", "mei", "juni", "juli",
     "augustus", "september", "oktober", "november", "december"},
    {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
     "septiembre", "octubre", "noviembre", "diciembre"}};

static long date_days(struct date dt)
{
        long y = dt.y - (dt.m <= 2);
        long era = (y >= 0 ? y : y - 399) / 400;
        long yoe = y - era * 400;
        long doy = (153L * (dt.m + (dt.m > 2 ? -3 : 9)) + 2) / 5 + dt.d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

        return era * 146097 + doe - 719468;
}

static struct date date_from_days(long z)
{
        struct date dt;
        long era, doe, yoe, doy, mp;

        z += 719468;
        era = (z >= 0 ? z : z - 146096) / 146097;
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        dt.d = (int)(doy - (153 * mp + 2) / 5 + 1);
        dt.m = (int)(mp < 10 ? mp + 3 : mp - 9);
        dt.y = (int)(yoe + era * 400 + (dt.m <= 2));
        return dt;
}

static struct date date_add(struct date dt, int days)
{
        return date_from_days(date_days(dt) + days);
}

static struct date date_month_end(int y, int m)
{
        struct date next = {m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1};

        return date_add(next, -1);
}

static struct date date_random(struct rng *r, int year)
{
        struct date jan1 = {year, 1, 1};

        return date_add(jan1, rng_int(r, 0, 364));
}

/* A date in format f; DF_LONG in language lang ("12 March 2024",
 * "12. März 2024", "1er mars 2024", "12 maart 2024", "12 de marzo de
 * 2024"). */
static void fmt_date_l(char *buf, size_t n, struct date dt, enum datefmt f,
                       enum lang lang)
{
        const char *mon = month_names[lang][dt.m - 1];

        switch (f) {
        case DF_ISO:
                bprintf(buf, n, "%04d-%02d-%02d", dt.y, dt.m, dt.d);
                break;
        case DF_DE:
                bprintf(buf, n, "%02d.%02d.%04d", dt.d, dt.m, dt.y);
                break;
        case DF_DE_S:
                bprintf(buf, n, "%d.%d.%04d", dt.d, dt.m, dt.y);
                break;
        case DF_US:
                bprintf(buf, n, "%02d/%02d/%04d", dt.m, dt.d, dt.y);
                break;
        case DF_GB:
                bprintf(buf, n, "%02d/%02d/%04d", dt.d, dt.m, dt.y);
                break;
        case DF_NL:
                bprintf(buf, n, "%02d-%02d-%04d", dt.d, dt.m, dt.y);
                break;
        case DF_NL_S:
                bprintf(buf, n, "%d-%d-%04d", dt.d, dt.m, dt.y);
                break;
        case DF_LONG_US:
                bprintf(buf, n, "%s %d, %d", month_names[LANG_EN][dt.m - 1],
                        dt.d, dt.y);
                break;
        case DF_LONG:
                switch (lang) {
                case LANG_DE:
                        bprintf(buf, n, "%d. %s %d", dt.d, mon, dt.y);
                        break;
                case LANG_FR:
                        bprintf(buf, n, "%d%s %s %d", dt.d,
                                dt.d == 1 ? "er" : "", mon, dt.y);
                        break;
                case LANG_ES:
                        bprintf(buf, n, "%d de %s de %d", dt.d, mon, dt.y);
                        break;
                default:
                        bprintf(buf, n, "%d %s %d", dt.d, mon, dt.y);
                        break;
                }
                break;
        }
}

static void fmt_date(char *buf, size_t n, struct date dt, enum datefmt f)
{
        fmt_date_l(buf, n, dt, f, LANG_EN);
}

/* ---- amounts: always integers (cents, or whole units in statements) ---- */

/* How a country writes 1234.56. */
enum numfmt {
        NUM_DOT,   /* 1,234.56 */
        NUM_COMMA, /* 1.234,56 */
        NUM_SPACE, /* 1 234,56 with no-break spaces */
        NUM_APOS   /* 1'234.56 */
};

static void group_digits(char *out, size_t n, unsigned long long v,
                         const char *sep)
{
        char digits[32];
        size_t len, i, o = 0, sl = strlen(sep);

        bprintf(digits, sizeof(digits), "%llu", v);
        len = strlen(digits);
        for (i = 0; i < len && o + sl + 2 < n; i++) {
                if (i > 0 && (len - i) % 3 == 0) {
                        memcpy(out + o, sep, sl);
                        o += sl;
                }
                out[o++] = digits[i];
        }
        out[o] = '\0';
}

static const char *num_group(enum numfmt f)
{
        switch (f) {
        case NUM_COMMA:
                return ".";
        case NUM_SPACE:
                return "\xc2\xa0"; /* U+00A0 */
        case NUM_APOS:
                return "'";
        default:
                return ",";
        }
}

/* "1,234.56" in format f; a minus sign when negative. */
static void fmt_money_f(char *buf, size_t n, long long cents, enum numfmt f)
{
        unsigned long long a = cents < 0 ? 0ull - (unsigned long long)cents
                                         : (unsigned long long)cents;
        char whole[64];

        group_digits(whole, sizeof(whole), a / 100, num_group(f));
        bprintf(buf, n, "%s%s%c%02llu", cents < 0 ? "-" : "", whole,
                f == NUM_COMMA || f == NUM_SPACE ? ',' : '.', a % 100);
}

/* "1,234.56", or "1.234,56" when german. */
static void fmt_money(char *buf, size_t n, long long cents, int german)
{
        fmt_money_f(buf, n, cents, german ? NUM_COMMA : NUM_DOT);
}

/* Whole units as statements print them: "48,123,456", "(1,234)". */
static void fmt_units_f(char *buf, size_t n, long long units, enum numfmt f)
{
        unsigned long long a = units < 0 ? 0ull - (unsigned long long)units
                                         : (unsigned long long)units;
        char whole[64];

        group_digits(whole, sizeof(whole), a, num_group(f));
        bprintf(buf, n, units < 0 ? "(%s)" : "%s", whole);
}

/* The ground truth's form: "1234.56". */
static void fmt_plain(char *buf, size_t n, long long cents)
{
        unsigned long long a = cents < 0 ? 0ull - (unsigned long long)cents
                                         : (unsigned long long)cents;

        bprintf(buf, n, "%s%llu.%02llu", cents < 0 ? "-" : "", a / 100,
                a % 100);
}

/* A rate in basis points as people write it: "20", "8.25", "8,25". */
static void fmt_rate(char *buf, size_t n, int bp, int comma)
{
        if (bp % 100 == 0)
                bprintf(buf, n, "%d", bp / 100);
        else
                bprintf(buf, n, "%d%c%02d", bp / 100, comma ? ',' : '.',
                        bp % 100);
}

/* ---- countries: language, currency, formats, names ---- */

enum loc { LOC_US, LOC_GB, LOC_DE, LOC_NL, LOC_FR, LOC_ES, LOC_CH, LOC_COUNT };

/* Where an amount's currency goes. */
enum curstyle {
        CUR_SYM_BEFORE, /* $1,234.56 */
        CUR_SYM_AFTER,  /* 1.234,56 € */
        CUR_CODE_BEFORE, /* EUR 1.234,56 */
        CUR_CODE_AFTER  /* 1.234,56 EUR */
};

struct locale {
        enum loc id;
        enum lang lang;
        const char *currency, *symbol; /* ISO 4217, and as printed */
        enum numfmt num;
        enum curstyle cur;
        int tax_bp; /* VAT or sales tax, basis points */
        enum datefmt short_date;
        double page_w, page_h;
        const char *tld;
        const char *law;      /* governing law, normalized */
        const char *law_text; /* the same as an English contract words it */
        const char *courts, *incorporated;
        const char *law_local; /* the governing-law sentence of a contract in
                                * the country's language */
};

static const struct locale locales[LOC_COUNT] = {
    {LOC_US, LANG_EN, "USD", "$", NUM_DOT, CUR_SYM_BEFORE, 825, DF_US,
     LETTER_W, LETTER_H, "com", "New York", "the laws of the State of New York",
     "the state and federal courts located in New York County, New York",
     "a Delaware corporation", NULL},
    {LOC_GB, LANG_EN, "GBP", "£", NUM_DOT, CUR_SYM_BEFORE, 2000, DF_GB, A4_W,
     A4_H, "co.uk", "England and Wales", "the laws of England and Wales",
     "the courts of England and Wales",
     "a company registered in England and Wales", NULL},
    {LOC_DE, LANG_DE, "EUR", "€", NUM_COMMA, CUR_SYM_AFTER, 1900, DF_DE, A4_W,
     A4_H, "de", "Germany", "the laws of the Federal Republic of Germany",
     "the courts of Frankfurt am Main",
     "a company organised under the laws of Germany",
     "Dieser Vertrag unterliegt dem Recht der Bundesrepublik Deutschland. "
     "Gerichtsstand ist Frankfurt am Main."},
    {LOC_NL, LANG_NL, "EUR", "€", NUM_COMMA, CUR_SYM_BEFORE, 2100, DF_NL, A4_W,
     A4_H, "nl", "Netherlands", "the laws of the Netherlands",
     "the competent courts of Amsterdam",
     "a company organised under the laws of the Netherlands",
     "Op deze overeenkomst is Nederlands recht van toepassing. Geschillen "
     "worden voorgelegd aan de bevoegde rechter te Amsterdam."},
    {LOC_FR, LANG_FR, "EUR", "€", NUM_SPACE, CUR_SYM_AFTER, 2000, DF_GB, A4_W,
     A4_H, "fr", "France", "the laws of France", "the courts of Paris",
     "a société anonyme organised under the laws of France",
     "Le présent contrat est régi par le droit français. Tout litige relève "
     "de la compétence exclusive des tribunaux de Paris."},
    {LOC_ES, LANG_ES, "EUR", "€", NUM_COMMA, CUR_SYM_AFTER, 2100, DF_GB, A4_W,
     A4_H, "es", "Spain", "the laws of Spain", "the courts of Madrid",
     "a company organised under the laws of Spain",
     "El presente contrato se rige por la legislación española. Las partes "
     "se someten a los juzgados y tribunales de Madrid."},
    {LOC_CH, LANG_DE, "CHF", "CHF", NUM_APOS, CUR_CODE_BEFORE, 810, DF_DE,
     A4_W, A4_H, "ch", "Switzerland", "the laws of Switzerland",
     "the courts of Zurich", "a company organised under the laws of "
     "Switzerland",
     "Dieser Vertrag untersteht schweizerischem Recht. Gerichtsstand ist "
     "Zürich."}};

/* Per locale: legal forms of companies, streets, postcode and town. */
static const char *const loc_suffix[LOC_COUNT][3] = {
    {"Inc.", "LLC", "Corp."},       {"Ltd", "plc", "LLP"},
    {"GmbH", "AG", "GmbH & Co. KG"}, {"B.V.", "N.V.", "B.V."},
    {"SAS", "SARL", "S.A."},        {"S.L.", "S.A.", "S.L."},
    {"AG", "GmbH", "SA"}};
static const char *const loc_streets[LOC_COUNT][5] = {
    {"Madison Avenue", "Market Street", "Congress Avenue", "Wacker Drive",
     "Boylston Street"},
    {"Old Street", "King Street", "Victoria Road", "Queen Street", "Park Row"},
    {"Friedrichstraße", "Hauptstraße", "Schillerstraße", "Industriestraße",
     "Am Sandtorkai"},
    {"Keizersgracht", "Herengracht", "Coolsingel", "Stationsplein",
     "Gustav Mahlerlaan"},
    {"rue de Rivoli", "avenue des Champs-Élysées", "boulevard Haussmann",
     "rue de la République", "quai Claude Bernard"},
    {"Calle de Alcalá", "Gran Vía", "Paseo de Gracia", "Calle Mayor",
     "Avenida Diagonal"},
    {"Bahnhofstrasse", "Seefeldstrasse", "Limmatquai", "Marktgasse",
     "Rue du Rhône"}};
static const char *const loc_cities[LOC_COUNT][5] = {
    {"New York, NY 10017", "San Francisco, CA 94105", "Austin, TX 78701",
     "Chicago, IL 60606", "Boston, MA 02116"},
    {"London EC1V 9HL", "Manchester M2 4WU", "Bristol BS1 6AA", "Leeds LS1 4DY",
     "Edinburgh EH2 4AD"},
    {"10117 Berlin", "80331 München", "20457 Hamburg", "50667 Köln",
     "60311 Frankfurt am Main"},
    {"1017 EG Amsterdam", "3011 AD Rotterdam", "3511 LX Utrecht",
     "2511 CV Den Haag", "5611 AZ Eindhoven"},
    {"75001 Paris", "69002 Lyon", "13001 Marseille", "31000 Toulouse",
     "33000 Bordeaux"},
    {"28014 Madrid", "08008 Barcelona", "46002 Valencia", "41001 Sevilla",
     "48001 Bilbao"},
    {"8001 Zürich", "3011 Bern", "4051 Basel", "1204 Genève", "6003 Luzern"}};

static const char *const name_stems[] = {
    "Northwind", "Bluepeak",  "Hartmann",   "Aldridge",    "Vantage",
    "Kestrel",   "Meridian",  "Ostwald",    "Brightwater", "Calloway",
    "Fenwick",   "Lindqvist", "Harborview", "Summit",      "Ironbridge",
    "Redwood",   "Crescent",  "Granite",    "Silverline",  "Westbrook",
    "Elmhurst",  "Corvid",    "Halden",     "Pinecrest",   "Beaumont",
    "Vandermeer", "Castellano", "Lefèvre",  "Zurbriggen",  "Moreau",
    "Van Dijk",  "Navarro",   "Brandt",     "Delacroix",   "Ortega"};
static const char *const name_kinds[LANG_COUNT][12] = {
    {"Logistics", "Software", "Consulting", "Industries", "Systems", "Trading",
     "Analytics", "Manufacturing", "Energy", "Foods", "Engineering",
     "Capital"},
    {"Logistik", "Software", "Beratung", "Industrie", "Systeme", "Handel",
     "Analytik", "Maschinenbau", "Energie", "Lebensmittel", "Technik",
     "Kapital"},
    {"Logistique", "Logiciels", "Conseil", "Industries", "Systèmes",
     "Négoce", "Analytique", "Fabrication", "Énergie", "Alimentation",
     "Ingénierie", "Capital"},
    {"Logistiek", "Software", "Advies", "Industrie", "Systemen", "Handel",
     "Analyse", "Productie", "Energie", "Voeding", "Techniek", "Kapitaal"},
    {"Logística", "Software", "Consultoría", "Industrias", "Sistemas",
     "Comercial", "Analítica", "Fabricación", "Energía", "Alimentación",
     "Ingeniería", "Capital"}};
static const char *const first_names[] = {
    "James", "Emma",   "Oliver", "Sophia",  "Lukas", "Anna",  "Daniel",
    "Mia",   "Thomas", "Laura",  "Michael", "Sarah", "Jan",   "Eva",
    "David", "Hannah", "Robert", "Julia",   "Peter", "Claire", "Camille",
    "Lucía", "Pablo",  "Sanne",  "Bram",    "Chloé", "Javier", "Élodie"};
static const char *const last_names[] = {
    "Smith",    "Müller", "Johnson", "Schneider", "Williams", "de Vries",
    "Brown",    "Fischer", "Taylor", "Jansen",    "Wilson",   "Becker",
    "Clarke",   "Visser", "Walker",  "Hoffmann",  "Wright",   "Bakker",
    "Turner",   "Wagner", "Dubois",  "García",    "Martínez", "Lefebvre",
    "Bernard",  "van den Berg", "Fernández", "Roux"};
static const char *const job_titles[] = {
    "Chief Executive Officer", "Chief Financial Officer",
    "Managing Director",       "General Counsel",
    "Head of Procurement",     "Director of Operations"};

struct party {
        char name[96];
        char street[96];
        char city[64];
        char vat[32];
        char phone[32];
        char domain[64];
        char reg[48];    /* company register: "HRB 12345", "KvK 12345678" */
        char person[64]; /* a contact or signatory */
        const char *title;
};

static void make_person(struct rng *r, char *buf, size_t n)
{
        bprintf(buf, n, "%s %s", PICK(r, first_names), PICK(r, last_names));
}

static void make_company(struct rng *r, const struct locale *lc, char *buf,
                         size_t n)
{
        const char *stem = PICK(r, name_stems);
        const char *kind = PICK(r, name_kinds[lc->lang]);
        const char *sfx = loc_suffix[lc->id][rng_int(r, 0, 2)];

        /* "Logistique Moreau SAS" reads as French; "Moreau Logistique"
         * does too. */
        if (lc->lang == LANG_FR || lc->lang == LANG_ES) {
                if (rng_chance(r, 50))
                        bprintf(buf, n, "%s %s %s", kind, stem, sfx);
                else
                        bprintf(buf, n, "%s %s %s", stem, kind, sfx);
        } else {
                bprintf(buf, n, "%s %s %s", stem, kind, sfx);
        }
}

/* The web domain of a company: its first two words, lowercase ASCII. */
static void make_domain(const char *name, const char *tld, char *buf, size_t n)
{
        size_t o = 0;
        int words = 0;

        for (; *name && words < 2 && o + 1 < n; name++) {
                if (*name == ' ')
                        words++;
                else if (g_ascii_isalnum(*name))
                        buf[o++] = g_ascii_tolower(*name);
        }
        buf[o] = '\0';
        if (o + strlen(tld) + 2 < n)
                bprintf(buf + o, n - o, ".%s", tld);
}

static void make_party(struct rng *r, const struct locale *lc, struct party *p,
                       int company)
{
        int num = rng_int(r, 1, 480);
        const char *street = PICK(r, loc_streets[lc->id]);

        if (company)
                make_company(r, lc, p->name, sizeof(p->name));
        else
                make_person(r, p->name, sizeof(p->name));
        if (lc->id == LOC_US || lc->id == LOC_GB)
                bprintf(p->street, sizeof(p->street), "%d %s", num, street);
        else if (lc->id == LOC_FR || lc->id == LOC_ES)
                bprintf(p->street, sizeof(p->street), "%d, %s", num, street);
        else
                bprintf(p->street, sizeof(p->street), "%s %d", street, num);
        bprintf(p->city, sizeof(p->city), "%s", PICK(r, loc_cities[lc->id]));
        switch (lc->id) {
        case LOC_US:
                bprintf(p->vat, sizeof(p->vat), "EIN %02d-%07d",
                        rng_int(r, 10, 99), rng_int(r, 0, 9999999));
                bprintf(p->phone, sizeof(p->phone), "+1 (%d) 555-%04d",
                        rng_int(r, 201, 989), rng_int(r, 100, 199));
                bprintf(p->reg, sizeof(p->reg), "File No. %07d",
                        rng_int(r, 1000000, 9999999));
                break;
        case LOC_GB:
                bprintf(p->vat, sizeof(p->vat), "GB %03d %04d %02d",
                        rng_int(r, 100, 999), rng_int(r, 0, 9999),
                        rng_int(r, 0, 99));
                bprintf(p->phone, sizeof(p->phone), "+44 20 7946 %04d",
                        rng_int(r, 0, 9999));
                bprintf(p->reg, sizeof(p->reg), "Company No. %08d",
                        rng_int(r, 1000000, 99999999));
                break;
        case LOC_DE:
                bprintf(p->vat, sizeof(p->vat), "DE%09d",
                        rng_int(r, 100000000, 999999999));
                bprintf(p->phone, sizeof(p->phone), "+49 30 %07d",
                        rng_int(r, 1000000, 9999999));
                bprintf(p->reg, sizeof(p->reg), "Amtsgericht Berlin HRB %d",
                        rng_int(r, 10000, 199999));
                break;
        case LOC_FR:
                bprintf(p->vat, sizeof(p->vat), "FR%02d %09d",
                        rng_int(r, 10, 99), rng_int(r, 100000000, 999999999));
                bprintf(p->phone, sizeof(p->phone), "+33 1 %02d %02d %02d %02d",
                        rng_int(r, 10, 99), rng_int(r, 10, 99),
                        rng_int(r, 10, 99), rng_int(r, 10, 99));
                bprintf(p->reg, sizeof(p->reg), "RCS Paris B %03d %03d %03d",
                        rng_int(r, 100, 999), rng_int(r, 100, 999),
                        rng_int(r, 100, 999));
                break;
        case LOC_ES:
                bprintf(p->vat, sizeof(p->vat), "ESB%08d",
                        rng_int(r, 10000000, 99999999));
                bprintf(p->phone, sizeof(p->phone), "+34 91 %03d %02d %02d",
                        rng_int(r, 100, 999), rng_int(r, 10, 99),
                        rng_int(r, 10, 99));
                bprintf(p->reg, sizeof(p->reg), "CIF B%08d",
                        rng_int(r, 10000000, 99999999));
                break;
        case LOC_CH:
                bprintf(p->vat, sizeof(p->vat), "CHE-%03d.%03d.%03d MWST",
                        rng_int(r, 100, 999), rng_int(r, 100, 999),
                        rng_int(r, 100, 999));
                bprintf(p->phone, sizeof(p->phone), "+41 44 %03d %02d %02d",
                        rng_int(r, 100, 999), rng_int(r, 10, 99),
                        rng_int(r, 10, 99));
                bprintf(p->reg, sizeof(p->reg), "UID CHE-%03d.%03d.%03d",
                        rng_int(r, 100, 999), rng_int(r, 100, 999),
                        rng_int(r, 100, 999));
                break;
        case LOC_NL:
        case LOC_COUNT:
                bprintf(p->vat, sizeof(p->vat), "NL%09dB01",
                        rng_int(r, 100000000, 999999999));
                bprintf(p->phone, sizeof(p->phone), "+31 20 %03d %04d",
                        rng_int(r, 100, 999), rng_int(r, 0, 9999));
                bprintf(p->reg, sizeof(p->reg), "KvK %08d",
                        rng_int(r, 10000000, 99999999));
                break;
        }
        make_domain(p->name, lc->tld, p->domain, sizeof(p->domain));
        make_person(r, p->person, sizeof(p->person));
        p->title = PICK(r, job_titles);
}

/*
 * A valid IBAN (ISO 13616 mod-97 check digits) and a BIC for a European
 * locale; written compact, as the ground truth wants it.
 */
static void make_iban(struct rng *r, enum loc id, char *iban, size_t n,
                      char *bic, size_t bn)
{
        static const char *const gb_banks[] = {"NWBK", "BARC", "LOYD", "HBUK"};
        static const char *const nl_banks[] = {"INGB", "ABNA", "RABO", "TRIO"};
        static const char *const de_bics[] = {"DEUTDEBB", "COBADEFF",
                                              "BYLADEM1", "HASPDEHH"};
        const char *cc;
        char bban[40], check[48];
        unsigned rem = 0;
        size_t i;

        switch (id) {
        case LOC_GB: {
                const char *bank = PICK(r, gb_banks);
                cc = "GB";
                bprintf(bban, sizeof(bban), "%s%06d%08d", bank,
                        rng_int(r, 100000, 999999),
                        rng_int(r, 10000000, 99999999));
                bprintf(bic, bn, "%sGB2L", bank);
                break;
        }
        case LOC_NL: {
                const char *bank = PICK(r, nl_banks);
                cc = "NL";
                bprintf(bban, sizeof(bban), "%s%010lld", bank,
                        rng_ll(r, 100000000LL, 9999999999LL));
                bprintf(bic, bn, "%sNL2A", bank);
                break;
        }
        case LOC_FR:
                cc = "FR";
                bprintf(bban, sizeof(bban), "%05d%05d%011lld%02d",
                        rng_int(r, 10000, 30000), rng_int(r, 10000, 99999),
                        rng_ll(r, 10000000000LL, 99999999999LL),
                        rng_int(r, 10, 97));
                bprintf(bic, bn, "BNPAFRPP");
                break;
        case LOC_ES:
                cc = "ES";
                bprintf(bban, sizeof(bban), "%04d%04d%02d%010lld",
                        rng_int(r, 1000, 9999), rng_int(r, 1000, 9999),
                        rng_int(r, 10, 99),
                        rng_ll(r, 1000000000LL, 9999999999LL));
                bprintf(bic, bn, "CAIXESBB");
                break;
        case LOC_CH:
                cc = "CH";
                bprintf(bban, sizeof(bban), "%05d%012lld",
                        rng_int(r, 10000, 99999),
                        rng_ll(r, 100000000000LL, 999999999999LL));
                bprintf(bic, bn, "UBSWCHZH80A");
                break;
        default:
                cc = "DE";
                bprintf(bban, sizeof(bban), "%08d%010lld",
                        rng_int(r, 10000000, 89999999),
                        rng_ll(r, 100000000LL, 9999999999LL));
                bprintf(bic, bn, "%s", PICK(r, de_bics));
                break;
        }
        bprintf(check, sizeof(check), "%s%s00", bban, cc);
        for (i = 0; check[i]; i++) {
                if (g_ascii_isdigit(check[i]))
                        rem = (rem * 10 + (unsigned)(check[i] - '0')) % 97;
                else
                        rem =
                            (rem * 100 + (unsigned)(check[i] - 'A' + 10)) % 97;
        }
        bprintf(iban, n, "%s%02u%s", cc, 98 - rem, bban);
}

/* "GB29NWBK60161331926819" as printed: groups of four. */
static void fmt_iban(char *buf, size_t n, const char *iban)
{
        size_t i, o = 0;

        for (i = 0; iban[i] && o + 2 < n; i++) {
                if (i > 0 && i % 4 == 0)
                        buf[o++] = ' ';
                buf[o++] = iban[i];
        }
        buf[o] = '\0';
}

/* An amount with a currency, in number format f and currency style s:
 * "£1,481.47", "1.481,47 €", "EUR 1.481,47", "1 481,47 EUR". */
static void fmt_cur_s(char *buf, size_t n, long long cents, enum numfmt f,
                      enum curstyle s, const char *code, const char *symbol)
{
        char num[64];

        fmt_money_f(num, sizeof(num), cents, f);
        switch (s) {
        case CUR_SYM_BEFORE:
                bprintf(buf, n, "%s%s%s", symbol,
                        strlen(symbol) > 2 ? " " : "", num);
                break;
        case CUR_SYM_AFTER:
                bprintf(buf, n, "%s %s", num, symbol);
                break;
        case CUR_CODE_BEFORE:
                bprintf(buf, n, "%s %s", code, num);
                break;
        case CUR_CODE_AFTER:
                bprintf(buf, n, "%s %s", num, code);
                break;
        }
}

/* As the locale prints it. */
static void fmt_cur(char *buf, size_t n, long long cents,
                    const struct locale *lc)
{
        fmt_cur_s(buf, n, cents, lc->num, lc->cur, lc->currency, lc->symbol);
}
/* ---- running text: sentences from financial, legal and tax vocabulary ---- */

struct vocab {
        const char *const *subj, *const *verb, *const *obj, *const *qual,
                                                                *const *tmpl;
        size_t nsubj, nverb, nobj, nqual, ntmpl;
};

#define VOCAB(s, v, o, q, t)                                                   \
        {                                                                      \
                s, v, o, q, t, G_N_ELEMENTS(s), G_N_ELEMENTS(v),               \
                    G_N_ELEMENTS(o), G_N_ELEMENTS(q), G_N_ELEMENTS(t)          \
        }

static const char *const fin_subj[] = {"The Group",
                                       "Management",
                                       "The Board of Directors",
                                       "The Company",
                                       "The audit committee",
                                       "The treasury function",
                                       "Our retail segment",
                                       "The industrial segment",
                                       "Each operating unit",
                                       "The finance team",
                                       "The risk committee",
                                       "The European business"};
static const char *const fin_verb[] = {
    "increased",    "reduced",    "reviewed",   "monitored closely",
    "strengthened", "reassessed", "refinanced", "stabilised",
    "expanded",     "recognised", "disclosed",  "improved"};
static const char *const fin_obj[] = {
    "working capital requirements",
    "the allowance for expected credit losses",
    "deferred tax assets",
    "capital expenditure",
    "the dividend policy",
    "foreign exchange exposure",
    "goodwill impairment testing",
    "revenue recognition for long-term contracts",
    "lease liabilities",
    "the revolving credit facility",
    "inventory provisions",
    "pension obligations",
    "free cash flow",
    "the gross margin",
    "operating expenses",
    "the order backlog",
    "liquidity headroom",
    "interest rate hedges",
    "the cost of sales",
    "trade receivables"};
static const char *const fin_qual[] = {"during the fiscal year",
                                       "compared with the prior period",
                                       "in accordance with IFRS 9",
                                       "across all reporting segments",
                                       "despite higher input costs",
                                       "in the second half of the year",
                                       "as part of the efficiency programme",
                                       "in line with the medium-term plan",
                                       "following the acquisition",
                                       "in a challenging market environment",
                                       "on a constant currency basis",
                                       "within the approved risk limits"};
static const char *const fin_tmpl[] = {
    "%S %V %O %Q.",
    "%S %V %O by %P percent %Q.",
    "%Q, %s %V %O.",
    "As described in Note %N, %s %V %O.",
    "%O amounted to %M million at the reporting date.",
    "%S expects %O to remain stable %Q.",
    "%S believes that %O will continue to support %O.",
    "No material changes to %O occurred %Q."};

static const char *const law_subj[] = {
    "The Provider",        "The Client",           "Each Party",
    "The receiving Party", "The disclosing Party", "Either Party"};
static const char *const law_verb[] = {
    "shall",         "shall promptly", "may",
    "undertakes to", "agrees to",      "shall use reasonable efforts to"};
static const char *const law_obj[] = {
    "deliver the Services in accordance with the Statement of Work",
    "maintain adequate professional liability insurance",
    "keep all Confidential Information strictly confidential",
    "notify the other Party of any security incident",
    "comply with all applicable data protection laws",
    "provide reasonable access to its premises and systems",
    "return or destroy all Confidential Information",
    "pay all undisputed invoices",
    "assign qualified and experienced staff",
    "maintain complete and accurate records",
    "obtain all permits and licences required",
    "remedy any material breach",
    "cooperate in good faith with any audit"};
static const char *const law_qual[] = {
    "within thirty (30) days of written notice",
    "unless otherwise agreed in writing by the Parties",
    "at its own cost and expense",
    "during the Term and for three (3) years thereafter",
    "to the extent permitted by applicable law",
    "in accordance with Schedule 2",
    "without undue delay",
    "upon the Client's reasonable request",
    "subject to the limitations set out in this Agreement"};
static const char *const law_tmpl[] = {
    "%S %V %O %Q.",
    "Notwithstanding the foregoing, %s %V %O %Q.",
    "Subject to Section %N, %s %V %O.",
    "Where required by law, %s %V %O %Q.",
    "%S acknowledges that the obligation to %O survives termination of "
    "this Agreement.",
    "Nothing in this Agreement shall require %s to %O %Q."};

static const char *const tax_subj[] = {"The payer", "The recipient",
                                       "You",       "Your employer",
                                       "The filer", "A trustee"};
static const char *const tax_verb[] = {
    "must report",        "should include",
    "may need to report", "is required to furnish",
    "must not include",   "should keep a record of"};
static const char *const tax_obj[] = {"the amount shown in box 3",
                                      "any backup withholding",
                                      "nonemployee compensation",
                                      "the taxable portion of the distribution",
                                      "estimated tax payments",
                                      "the federal income tax withheld",
                                      "royalties of $10 or more",
                                      "interest income",
                                      "the corrected information return",
                                      "wages, tips, and other compensation"};
static const char *const tax_qual[] = {
    "on your income tax return",
    "for the calendar year",
    "unless an exception applies",
    "by January 31 of the following year",
    "as explained in the instructions for Form 1040",
    "if the amount is $600 or more",
    "when filing electronically",
    "to avoid a penalty"};
static const char *const tax_tmpl[] = {
    "%S %V %O %Q.", "Generally, %s %V %O %Q.",
    "If this form shows an amount in box %N, %s %V %O.",
    "See Pub. 5%N for more information on %O.", "%S %V %O, and %s %V %O %Q."};

static const struct vocab vocab_law =
    VOCAB(law_subj, law_verb, law_obj, law_qual, law_tmpl);
static const struct vocab vocab_tax =
    VOCAB(tax_subj, tax_verb, tax_obj, tax_qual, tax_tmpl);

static const char *const mgmt_heads[] = {
    "Business overview",
    "Market environment",
    "Results of operations",
    "Financial position",
    "Liquidity and capital resources",
    "Risk management",
    "Outlook",
    "Sustainability",
    "Employees",
    "Research and development",
    "Segment performance",
    "Capital allocation",
    "Corporate governance",
    "Internal control over financial reporting"};
static const char *const note_heads[] = {
    "Basis of preparation",
    "Significant accounting policies",
    "Revenue",
    "Segment information",
    "Income taxes",
    "Property, plant and equipment",
    "Intangible assets and goodwill",
    "Leases",
    "Inventories",
    "Trade receivables",
    "Financial instruments",
    "Borrowings",
    "Provisions",
    "Pensions and other post-employment benefits",
    "Share capital and reserves",
    "Related party transactions",
    "Contingent liabilities",
    "Events after the reporting period"};
static const char *const clause_heads[] = {"Personnel",
                                           "Change Control",
                                           "Acceptance",
                                           "Confidentiality",
                                           "Intellectual Property",
                                           "Data Protection",
                                           "Warranties",
                                           "Indemnification",
                                           "Limitation of Liability",
                                           "Insurance",
                                           "Termination",
                                           "Consequences of Termination",
                                           "Force Majeure",
                                           "Subcontracting",
                                           "Assignment",
                                           "Notices",
                                           "Audit Rights",
                                           "Non-Solicitation",
                                           "Dispute Resolution",
                                           "Severability",
                                           "Waiver"};
static const char *const tax_heads[] = {
    "General Instructions", "Future developments", "Purpose of form",
    "Who must file",        "When to file",        "Backup withholding",
    "Corrections",          "Penalties",           "Privacy Act Notice",
    "Specific Instructions"};


/* The same kinds of running text in German, French, Dutch and Spanish:
 * subject, verb, object, qualifier, in that order, which each of these
 * languages reads as a plain main clause. */
static const char *const fin_subj_de[] = {
    "Der Konzern", "Der Vorstand", "Der Aufsichtsrat", "Die Gesellschaft",
    "Der Prüfungsausschuss", "Das Segment Industrie"};
static const char *const fin_verb_de[] = {"überprüft", "steigert", "senkt",
                                          "überwacht", "bewertet",
                                          "refinanziert"};
static const char *const fin_obj_de[] = {
    "die Umsatzerlöse", "das Nettoumlaufvermögen",
    "die Rückstellungen für Pensionen", "die latenten Steueransprüche",
    "die Investitionen in Sachanlagen", "das Währungsrisiko",
    "die Werthaltigkeit des Geschäftswerts", "die Leasingverbindlichkeiten",
    "den freien Cashflow", "die Bruttomarge"};
static const char *const fin_qual_de[] = {
    "im Geschäftsjahr", "im Vergleich zum Vorjahr", "gemäß IFRS 9",
    "in allen Segmenten", "trotz höherer Rohstoffkosten",
    "im zweiten Halbjahr", "im Rahmen des Effizienzprogramms"};
static const char *const fin_tmpl_de[] = {
    "%S %V %O %Q.", "%S %V %O um %P Prozent %Q.",
    "Wie in Anhangangabe %N erläutert, %V %s %O.",
    "%S erwartet, dass %O %Q stabil bleiben."};

static const char *const fin_subj_fr[] = {
    "Le Groupe", "La direction", "Le conseil d'administration", "La Société",
    "Le comité d'audit", "La division industrielle"};
static const char *const fin_verb_fr[] = {"a examiné", "a augmenté",
                                          "a réduit", "surveille",
                                          "a réévalué", "a refinancé"};
static const char *const fin_obj_fr[] = {
    "le chiffre d'affaires", "le besoin en fonds de roulement",
    "les provisions pour retraites", "les impôts différés actifs",
    "les investissements corporels", "le risque de change",
    "la valeur de l'écart d'acquisition", "les dettes locatives",
    "le flux de trésorerie disponible", "la marge brute"};
static const char *const fin_qual_fr[] = {
    "au cours de l'exercice", "par rapport à l'exercice précédent",
    "conformément à la norme IFRS 9", "dans tous les secteurs",
    "malgré la hausse des coûts", "au second semestre",
    "dans le cadre du programme d'efficacité"};
static const char *const fin_tmpl_fr[] = {
    "%S %V %O %Q.", "%S %V %O de %P pour cent %Q.",
    "Comme indiqué dans la note %N, %s %V %O.",
    "%S prévoit que %O restera stable %Q."};

static const char *const fin_subj_nl[] = {
    "De groep", "De directie", "De raad van commissarissen",
    "De vennootschap", "De auditcommissie", "Het segment industrie"};
static const char *const fin_verb_nl[] = {"beoordeelt", "verhoogt",
                                          "verlaagt", "bewaakt",
                                          "herwaardeert", "herfinanciert"};
static const char *const fin_obj_nl[] = {
    "de netto-omzet", "het werkkapitaal", "de pensioenvoorzieningen",
    "de latente belastingvorderingen", "de investeringen in materiële vaste "
    "activa", "het valutarisico", "de waardering van de goodwill",
    "de leaseverplichtingen", "de vrije kasstroom", "de brutomarge"};
static const char *const fin_qual_nl[] = {
    "in het boekjaar", "ten opzichte van vorig jaar", "in overeenstemming met "
    "IFRS 9", "in alle segmenten", "ondanks hogere kosten",
    "in de tweede helft van het jaar", "als onderdeel van het "
    "efficiencyprogramma"};
static const char *const fin_tmpl_nl[] = {
    "%S %V %O %Q.", "%S %V %O met %P procent %Q.",
    "Zoals toegelicht in noot %N, %V %s %O.",
    "%S verwacht dat %O %Q stabiel blijft."};

static const char *const fin_subj_es[] = {
    "El Grupo", "La dirección", "El consejo de administración", "La Sociedad",
    "La comisión de auditoría", "El segmento industrial"};
static const char *const fin_verb_es[] = {"revisó", "aumentó", "redujo",
                                          "supervisa", "reevaluó",
                                          "refinanció"};
static const char *const fin_obj_es[] = {
    "el importe neto de la cifra de negocios", "el capital circulante",
    "las provisiones para pensiones", "los activos por impuestos diferidos",
    "las inversiones en inmovilizado", "el riesgo de tipo de cambio",
    "el valor del fondo de comercio", "los pasivos por arrendamiento",
    "el flujo de caja libre", "el margen bruto"};
static const char *const fin_qual_es[] = {
    "durante el ejercicio", "en comparación con el ejercicio anterior",
    "de acuerdo con la NIIF 9", "en todos los segmentos",
    "a pesar del aumento de los costes", "en el segundo semestre",
    "dentro del programa de eficiencia"};
static const char *const fin_tmpl_es[] = {
    "%S %V %O %Q.", "%S %V %O un %P por ciento %Q.",
    "Como se describe en la nota %N, %s %V %O.",
    "%S espera que %O se mantenga estable %Q."};

static const char *const law_subj_de[] = {"Der Auftragnehmer",
                                          "Der Auftraggeber", "Jede Partei",
                                          "Die empfangende Partei"};
static const char *const law_verb_de[] = {"verpflichtet sich,",
                                          "ist berechtigt,", "wird"};
static const char *const law_obj_de[] = {
    "die Leistungen gemäß Leistungsbeschreibung zu erbringen",
    "alle vertraulichen Informationen geheim zu halten",
    "die geltenden Datenschutzvorschriften einzuhalten",
    "qualifiziertes Personal einzusetzen",
    "vollständige Aufzeichnungen zu führen"};
static const char *const law_qual_de[] = {
    "innerhalb von dreißig (30) Tagen nach schriftlicher Mitteilung",
    "soweit gesetzlich zulässig", "auf eigene Kosten",
    "während der Vertragslaufzeit"};
static const char *const law_tmpl_de[] = {"%S %V %Q %O.",
                                          "Vorbehaltlich § %N %V %s %Q %O."};

static const char *const law_subj_fr[] = {"Le Prestataire", "Le Client",
                                          "Chaque Partie",
                                          "La Partie destinataire"};
static const char *const law_verb_fr[] = {"s'engage à", "peut", "devra"};
static const char *const law_obj_fr[] = {
    "fournir les prestations conformément au cahier des charges",
    "préserver la confidentialité des informations",
    "respecter la réglementation applicable en matière de données",
    "affecter un personnel qualifié",
    "tenir des registres complets et exacts"};
static const char *const law_qual_fr[] = {
    "dans un délai de trente (30) jours après notification écrite",
    "dans la mesure permise par la loi", "à ses propres frais",
    "pendant toute la durée du contrat"};
static const char *const law_tmpl_fr[] = {
    "%S %V %O %Q.", "Sous réserve de l'article %N, %s %V %O %Q."};

static const char *const law_subj_nl[] = {"De Opdrachtnemer",
                                          "De Opdrachtgever", "Elke Partij",
                                          "De ontvangende Partij"};
static const char *const law_verb_nl[] = {"zal", "is gerechtigd om",
                                          "verplicht zich om"};
static const char *const law_obj_nl[] = {
    "de diensten conform de opdrachtomschrijving te leveren",
    "alle vertrouwelijke informatie geheim te houden",
    "de toepasselijke privacywetgeving na te leven",
    "gekwalificeerd personeel in te zetten",
    "een volledige administratie bij te houden"};
static const char *const law_qual_nl[] = {
    "binnen dertig (30) dagen na schriftelijke kennisgeving",
    "voor zover wettelijk toegestaan", "op eigen kosten",
    "gedurende de looptijd van de overeenkomst"};
static const char *const law_tmpl_nl[] = {
    "%S %V %Q %O.", "Onverminderd artikel %N %V %s %Q %O."};

static const char *const law_subj_es[] = {"El Proveedor", "El Cliente",
                                          "Cada Parte",
                                          "La Parte receptora"};
static const char *const law_verb_es[] = {"se compromete a", "podrá",
                                          "deberá"};
static const char *const law_obj_es[] = {
    "prestar los servicios conforme al pliego de condiciones",
    "mantener la confidencialidad de la información",
    "cumplir la normativa de protección de datos",
    "asignar personal cualificado",
    "llevar registros completos y exactos"};
static const char *const law_qual_es[] = {
    "en un plazo de treinta (30) días desde la notificación escrita",
    "en la medida permitida por la ley", "por su propia cuenta",
    "durante la vigencia del contrato"};
static const char *const law_tmpl_es[] = {
    "%S %V %O %Q.", "Sin perjuicio de la cláusula %N, %s %V %O %Q."};

static const char *const tax_subj_de[] = {"Der Steuerpflichtige",
                                          "Das Finanzamt", "Der Arbeitgeber"};
static const char *const tax_verb_de[] = {"erklärt", "berücksichtigt",
                                          "prüft"};
static const char *const tax_obj_de[] = {
    "die Einkünfte aus nichtselbständiger Arbeit", "die Werbungskosten",
    "die Sonderausgaben", "die einbehaltene Lohnsteuer",
    "die Kapitalerträge"};
static const char *const tax_qual_de[] = {"für das Kalenderjahr",
                                          "in der Anlage N",
                                          "nach den gesetzlichen Vorgaben"};
static const char *const tax_tmpl_de[] = {"%S %V %O %Q."};

static const char *const tax_subj_fr[] = {"Le contribuable",
                                          "L'administration fiscale",
                                          "L'employeur"};
static const char *const tax_verb_fr[] = {"déclare", "prend en compte",
                                          "vérifie"};
static const char *const tax_obj_fr[] = {
    "les traitements et salaires", "les frais réels",
    "les revenus de capitaux mobiliers", "le prélèvement à la source",
    "les pensions et retraites"};
static const char *const tax_qual_fr[] = {"au titre de l'année",
                                          "sur la déclaration en ligne",
                                          "selon la notice explicative"};
static const char *const tax_tmpl_fr[] = {"%S %V %O %Q."};

static const char *const tax_subj_nl[] = {"De belastingplichtige",
                                          "De Belastingdienst",
                                          "De werkgever"};
static const char *const tax_verb_nl[] = {"vermeldt", "verrekent",
                                          "controleert"};
static const char *const tax_obj_nl[] = {
    "het inkomen uit werk en woning", "de aftrekposten",
    "de ingehouden loonheffing", "het vermogen in box 3",
    "de hypotheekrente"};
static const char *const tax_qual_nl[] = {"over het belastingjaar",
                                          "in de aangifte",
                                          "volgens de toelichting"};
static const char *const tax_tmpl_nl[] = {"%S %V %O %Q."};

static const char *const tax_subj_es[] = {"El contribuyente",
                                          "La Agencia Tributaria",
                                          "El pagador"};
static const char *const tax_verb_es[] = {"declara", "deduce", "comprueba"};
static const char *const tax_obj_es[] = {
    "los rendimientos del trabajo", "las retenciones practicadas",
    "los rendimientos del capital mobiliario", "las deducciones "
    "autonómicas", "las ganancias patrimoniales"};
static const char *const tax_qual_es[] = {"en el ejercicio",
                                          "en la declaración",
                                          "según las instrucciones"};
static const char *const tax_tmpl_es[] = {"%S %V %O %Q."};

static const struct vocab vocab_fin_l[LANG_COUNT] = {
    VOCAB(fin_subj, fin_verb, fin_obj, fin_qual, fin_tmpl),
    VOCAB(fin_subj_de, fin_verb_de, fin_obj_de, fin_qual_de, fin_tmpl_de),
    VOCAB(fin_subj_fr, fin_verb_fr, fin_obj_fr, fin_qual_fr, fin_tmpl_fr),
    VOCAB(fin_subj_nl, fin_verb_nl, fin_obj_nl, fin_qual_nl, fin_tmpl_nl),
    VOCAB(fin_subj_es, fin_verb_es, fin_obj_es, fin_qual_es, fin_tmpl_es)};
static const struct vocab vocab_law_l[LANG_COUNT] = {
    VOCAB(law_subj, law_verb, law_obj, law_qual, law_tmpl),
    VOCAB(law_subj_de, law_verb_de, law_obj_de, law_qual_de, law_tmpl_de),
    VOCAB(law_subj_fr, law_verb_fr, law_obj_fr, law_qual_fr, law_tmpl_fr),
    VOCAB(law_subj_nl, law_verb_nl, law_obj_nl, law_qual_nl, law_tmpl_nl),
    VOCAB(law_subj_es, law_verb_es, law_obj_es, law_qual_es, law_tmpl_es)};
static const struct vocab vocab_tax_l[LANG_COUNT] = {
    VOCAB(tax_subj, tax_verb, tax_obj, tax_qual, tax_tmpl),
    VOCAB(tax_subj_de, tax_verb_de, tax_obj_de, tax_qual_de, tax_tmpl_de),
    VOCAB(tax_subj_fr, tax_verb_fr, tax_obj_fr, tax_qual_fr, tax_tmpl_fr),
    VOCAB(tax_subj_nl, tax_verb_nl, tax_obj_nl, tax_qual_nl, tax_tmpl_nl),
    VOCAB(tax_subj_es, tax_verb_es, tax_obj_es, tax_qual_es, tax_tmpl_es)};

static const char *const mgmt_heads_l[LANG_COUNT][6] = {
    {"Business overview", "Market environment", "Results of operations",
     "Financial position", "Risk management", "Outlook"},
    {"Geschäftsmodell", "Wirtschaftliches Umfeld", "Ertragslage",
     "Finanzlage", "Risikobericht", "Prognosebericht"},
    {"Présentation de l'activité", "Environnement de marché",
     "Résultats de l'exercice", "Situation financière",
     "Gestion des risques", "Perspectives"},
    {"Profiel", "Marktomstandigheden", "Resultaten", "Financiële positie",
     "Risicobeheer", "Vooruitzichten"},
    {"Modelo de negocio", "Entorno de mercado", "Resultados",
     "Situación financiera", "Gestión de riesgos", "Perspectivas"}};
static const char *const note_heads_l[LANG_COUNT][6] = {
    {"Basis of preparation", "Significant accounting policies", "Revenue",
     "Income taxes", "Leases", "Events after the reporting period"},
    {"Grundlagen der Rechnungslegung", "Bilanzierungs- und "
     "Bewertungsmethoden", "Umsatzerlöse", "Ertragsteuern", "Leasing",
     "Ereignisse nach dem Bilanzstichtag"},
    {"Base de préparation", "Principes comptables", "Chiffre d'affaires",
     "Impôts sur le résultat", "Contrats de location",
     "Événements postérieurs à la clôture"},
    {"Grondslagen", "Waarderingsgrondslagen", "Netto-omzet",
     "Winstbelastingen", "Leases", "Gebeurtenissen na balansdatum"},
    {"Bases de presentación", "Políticas contables", "Ingresos",
     "Impuesto sobre beneficios", "Arrendamientos",
     "Hechos posteriores al cierre"}};
static const char *const clause_heads_l[LANG_COUNT][6] = {
    {"Confidentiality", "Intellectual Property", "Data Protection",
     "Limitation of Liability", "Termination", "Force Majeure"},
    {"Vertraulichkeit", "Geistiges Eigentum", "Datenschutz",
     "Haftungsbeschränkung", "Kündigung", "Höhere Gewalt"},
    {"Confidentialité", "Propriété intellectuelle",
     "Protection des données", "Limitation de responsabilité",
     "Résiliation", "Force majeure"},
    {"Geheimhouding", "Intellectueel eigendom", "Gegevensbescherming",
     "Beperking van aansprakelijkheid", "Beëindiging", "Overmacht"},
    {"Confidencialidad", "Propiedad intelectual", "Protección de datos",
     "Limitación de responsabilidad", "Resolución", "Fuerza mayor"}};
/* Appends a word with its first letter lowercased ("The Group" reads "the
 * Group" mid-sentence) unless it is an acronym. */
static void append_lower(GString *out, const char *w)
{
        size_t at = out->len;

        g_string_append(out, w);
        if (g_ascii_isupper(w[0]) && g_ascii_islower(w[1]))
                out->str[at] = g_ascii_tolower(w[0]);
}

/* Appends one sentence and a space: a template filled from the word lists. */
static void vocab_sentence(struct rng *r, const struct vocab *v, GString *out)
{
        const char *t = v->tmpl[rng_ll(r, 0, (long long)v->ntmpl - 1)];
        size_t start = out->len;

        for (; *t; t++) {
                if (*t != '%' || t[1] == '\0') {
                        g_string_append_c(out, *t);
                        continue;
                }
                switch (*++t) {
                case 'S':
                        g_string_append(
                            out,
                            v->subj[rng_ll(r, 0, (long long)v->nsubj - 1)]);
                        break;
                case 's':
                        append_lower(
                            out,
                            v->subj[rng_ll(r, 0, (long long)v->nsubj - 1)]);
                        break;
                case 'V':
                        g_string_append(
                            out,
                            v->verb[rng_ll(r, 0, (long long)v->nverb - 1)]);
                        break;
                case 'O':
                        g_string_append(
                            out, v->obj[rng_ll(r, 0, (long long)v->nobj - 1)]);
                        break;
                case 'Q':
                        g_string_append(
                            out,
                            v->qual[rng_ll(r, 0, (long long)v->nqual - 1)]);
                        break;
                case 'P':
                case 'M':
                        g_string_append_printf(out, "%d.%d", rng_int(r, 1, 48),
                                               rng_int(r, 0, 9));
                        break;
                case 'N':
                        g_string_append_printf(out, "%d", rng_int(r, 2, 28));
                        break;
                default:
                        g_string_append_c(out, *t);
                        break;
                }
        }
        out->str[start] = g_ascii_toupper(out->str[start]);
        g_string_append_c(out, ' ');
}

static void vocab_paragraph(struct rng *r, const struct vocab *v, GString *out,
                            int lo, int hi)
{
        int i, n = rng_int(r, lo, hi);

        g_string_truncate(out, 0);
        for (i = 0; i < n; i++)
                vocab_sentence(r, v, out);
}

/* ---- drawing: fonts, text, pages, paragraphs, tables ---- */

/* Regular and bold alternate, so that bold is f | 1. */
enum font { F_SANS, F_SANS_B, F_SERIF, F_SERIF_B, F_MONO, F_MONO_B, F_COUNT };
enum align { AL_LEFT, AL_RIGHT, AL_CENTER };

/* The faces and their ASCII advance widths at size 1, measured once: the
 * PDF surface does not hint metrics, so widths scale exactly, and summing
 * them is much cheaper than cairo_text_extents for every word. */
struct fonts {
        cairo_font_face_t *face[F_COUNT];
        double adv[F_COUNT][128];
};

struct doc {
        cairo_surface_t *surface;
        cairo_t *cr;
        const struct fonts *fonts; /* borrowed */
        double w, h;               /* page size, points */
        double left, right, top, bottom;
        double y; /* top of the free space on the page */
        int page; /* current page, from 1 */
        enum font font, body;
        double size, body_size, leading;
        double accent[3];
        char header[160]; /* running header from page 2, or "" */
        int numbered;     /* "Page N" at the foot of every page */
};

static void doc_font(struct doc *d, enum font f, double size)
{
        d->font = f;
        d->size = size;
        cairo_set_font_face(d->cr, d->fonts->face[f]);
        cairo_set_font_size(d->cr, size);
}

static void doc_body(struct doc *d)
{
        doc_font(d, d->body, d->body_size);
}

static void doc_gray(struct doc *d, double g)
{
        cairo_set_source_rgb(d->cr, g, g, g);
}

static void doc_accent(struct doc *d)
{
        cairo_set_source_rgb(d->cr, d->accent[0], d->accent[1], d->accent[2]);
}

/* How many bytes of s, at most n, end on a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t n)
{
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
                n--;
        return n;
}

static double doc_width(struct doc *d, const char *s, size_t n)
{
        const double *adv = d->fonts->adv[d->font];
        char tmp[DOCGEN_LINE_MAX];
        cairo_text_extents_t te;
        double w = 0;
        size_t i;

        for (i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c < 32 || c >= 128)
                        break;
                w += adv[c];
        }
        if (i == n)
                return w * d->size;
        if (n >= sizeof(tmp))
                n = utf8_cut(s, sizeof(tmp) - 1);
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        cairo_text_extents(d->cr, tmp, &te);
        return te.x_advance;
}

static void doc_put(struct doc *d, double x, double y, enum align al,
                    const char *s)
{
        if (al != AL_LEFT) {
                double w = doc_width(d, s, strlen(s));
                x -= al == AL_RIGHT ? w : w / 2;
        }
        cairo_move_to(d->cr, x, y);
        cairo_show_text(d->cr, s);
}

/* doc_put, with the font shrunk for this text if it is wider than maxw. */
static void doc_put_fit(struct doc *d, double x, double y, enum align al,
                        const char *s, double maxw)
{
        double w = doc_width(d, s, strlen(s)), size = d->size;

        if (w <= maxw) {
                doc_put(d, x, y, al, s);
                return;
        }
        doc_font(d, d->font, size * maxw / w);
        doc_put(d, x, y, al, s);
        doc_font(d, d->font, size);
}

static void doc_putf(struct doc *d, double x, double y, enum align al,
                     const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void doc_putf(struct doc *d, double x, double y, enum align al,
                     const char *fmt, ...)
{
        char buf[DOCGEN_LINE_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        utf8_trim(buf);
        doc_put(d, x, y, al, buf);
}

static void doc_rule(struct doc *d, double x1, double x2, double y, double lw)
{
        cairo_set_line_width(d->cr, lw);
        cairo_move_to(d->cr, x1, y);
        cairo_line_to(d->cr, x2, y);
        cairo_stroke(d->cr);
}

static void doc_box(struct doc *d, double x, double y, double w, double h)
{
        cairo_set_line_width(d->cr, 0.6);
        cairo_rectangle(d->cr, x, y, w, h);
        cairo_stroke(d->cr);
}

static void doc_fill(struct doc *d, double x, double y, double w, double h)
{
        cairo_rectangle(d->cr, x, y, w, h);
        cairo_fill(d->cr);
}

static void doc_decorate(struct doc *d)
{
        enum font f = d->font;
        double size = d->size;

        doc_gray(d, 0.35);
        doc_font(d, F_SANS, 7.5);
        if (d->header[0] && d->page > 1) {
                doc_put(d, d->left, d->top - 14, AL_LEFT, d->header);
                doc_rule(d, d->left, d->w - d->right, d->top - 9, 0.4);
        }
        if (d->numbered)
                doc_putf(d, d->w / 2, d->h - d->bottom + 24, AL_CENTER,
                         "Page %d", d->page);
        doc_gray(d, 0);
        doc_font(d, f, size);
}

static void doc_new_page(struct doc *d)
{
        cairo_show_page(d->cr);
        d->page++;
        d->y = d->top;
        doc_decorate(d);
}

/* Starts a new page unless dy points still fit; returns whether it did. */
static int doc_need(struct doc *d, double dy)
{
        if (d->y + dy <= d->h - d->bottom)
                return 0;
        doc_new_page(d);
        return 1;
}

/*
 * Wraps text in the current font to width from x, one line per leading
 * points from the cursor down, breaking pages as needed. Draws only when
 * draw is set; returns the number of lines either way.
 */
static int doc_wrap(struct doc *d, const char *text, double x, double width,
                    double leading, int draw)
{
        char line[DOCGEN_LINE_MAX];
        const char *p = text;
        int lines = 0;

        while (*p == ' ')
                p++;
        while (*p) {
                size_t n = 0, fit = 0;
                double w = 0;

                for (;;) {
                        size_t e = n;
                        double add;

                        while (p[e] == ' ')
                                e++;
                        while (p[e] != '\0' && p[e] != ' ')
                                e++;
                        if (e == n)
                                break;
                        add = doc_width(d, p + n, e - n);
                        if (fit > 0 && w + add > width)
                                break;
                        w += add;
                        fit = n = e;
                        if (fit >= sizeof(line) - 1)
                                break;
                }
                if (fit >= sizeof(line))
                        fit = utf8_cut(p, sizeof(line) - 1);
                if (draw) {
                        memcpy(line, p, fit);
                        line[fit] = '\0';
                        doc_need(d, leading);
                        doc_put(d, x, d->y + d->size, AL_LEFT, line);
                        d->y += leading;
                }
                lines++;
                p += fit;
                while (*p == ' ')
                        p++;
        }
        return lines;
}

static void doc_para(struct doc *d, const char *text)
{
        doc_body(d);
        doc_wrap(d, text, d->left, d->w - d->left - d->right, d->leading, 1);
        d->y += d->leading * 0.6;
}

static void doc_heading(struct doc *d, const char *text, double size)
{
        doc_need(d, size * 2.2 + 3 * d->leading);
        d->y += size * 0.6;
        doc_font(d, d->body | 1, size);
        doc_accent(d);
        doc_put(d, d->left, d->y + size, AL_LEFT, text);
        doc_gray(d, 0);
        d->y += size * 1.7;
        doc_body(d);
}

/* Lines of text at x from the cursor down; empty strings are skipped. */
static void doc_lines(struct doc *d, double x, const char *const *lines, int n,
                      double leading)
{
        int i;

        for (i = 0; i < n; i++) {
                if (!lines[i][0])
                        continue;
                doc_put(d, x, d->y + d->size, AL_LEFT, lines[i]);
                d->y += leading;
        }
}

/* Label/value rows from the cursor down; values after the widest label. */
static void doc_kv(struct doc *d, double xk, const char *const *k,
                   const char *const *v, int n, enum font f, double size)
{
        double xv = 0;
        int i;

        doc_font(d, f | 1, size);
        for (i = 0; i < n; i++) {
                double w = doc_width(d, k[i], strlen(k[i]));
                xv = w > xv ? w : xv;
        }
        xv += xk + size;
        for (i = 0; i < n; i++) {
                doc_font(d, f | 1, size);
                doc_put(d, xk, d->y + size, AL_LEFT, k[i]);
                doc_font(d, f, size);
                doc_put(d, xv, d->y + size, AL_LEFT, v[i]);
                d->y += size * 1.55;
        }
}

struct col {
        const char *title;
        double frac; /* share of the table's width */
        int right;   /* numbers: right-aligned */
};

struct table {
        const struct col *cols;
        int ncols;
        double x, width, size, row_h;
        enum font font;
        int shade; /* header on a grey band */
};

static void table_header(struct doc *d, const struct table *t)
{
        double x = t->x;
        int i;

        doc_need(d, t->row_h * 3);
        if (t->shade) {
                doc_gray(d, 0.88);
                doc_fill(d, t->x, d->y, t->width, t->row_h);
                doc_gray(d, 0);
        }
        doc_font(d, t->font | 1, t->size);
        for (i = 0; i < t->ncols; i++) {
                double cw = t->width * t->cols[i].frac;
                const char *s = t->cols[i].title;
                if (t->cols[i].right)
                        doc_put_fit(d, x + cw - 4, d->y + t->row_h * 0.7,
                                    AL_RIGHT, s, cw - 6);
                else
                        doc_put_fit(d, x + 4, d->y + t->row_h * 0.7, AL_LEFT, s,
                                    cw - 6);
                x += cw;
        }
        d->y += t->row_h;
        doc_rule(d, t->x, t->x + t->width, d->y, 0.6);
}

/* One row; NULL cells stay empty. On a new page the header comes again. */
static void table_row(struct doc *d, const struct table *t,
                      const char *const *cells, int bold)
{
        double x = t->x;
        int i;

        if (doc_need(d, t->row_h))
                table_header(d, t);
        doc_font(d, bold ? t->font | 1 : t->font, t->size);
        for (i = 0; i < t->ncols; i++) {
                double cw = t->width * t->cols[i].frac;
                if (cells[i] && t->cols[i].right)
                        doc_put_fit(d, x + cw - 4, d->y + t->row_h * 0.7,
                                    AL_RIGHT, cells[i], cw - 6);
                else if (cells[i])
                        doc_put_fit(d, x + 4, d->y + t->row_h * 0.7, AL_LEFT,
                                    cells[i], cw - 6);
                x += cw;
        }
        d->y += t->row_h;
}

/* A labelled box of a form: small label on top, value lines ('\n') below. */
static void doc_field(struct doc *d, double x, double y, double w, double h,
                      const char *label, const char *value, enum align al)
{
        char line[256];
        double base = y + 18;

        doc_box(d, x, y, w, h);
        doc_font(d, F_SANS, 6.5);
        doc_put_fit(d, x + 3, y + 8, AL_LEFT, label, w - 6);
        doc_font(d, F_MONO, 9);
        while (*value) {
                size_t n = strcspn(value, "\n");
                size_t c =
                    n < sizeof(line) ? n : utf8_cut(value, sizeof(line) - 1);
                memcpy(line, value, c);
                line[c] = '\0';
                doc_put_fit(d, al == AL_RIGHT ? x + w - 4 : x + 4, base, al,
                            line, w - 8);
                base += 10.5;
                value += n + (value[n] == '\n');
        }
}

enum head_style { HEAD_PLAIN, HEAD_NOTE, HEAD_CLAUSE };

/* Generated sections: headings from a list, paragraphs from a vocabulary. */
struct filler {
        const struct vocab *v;
        const char *const *heads;
        size_t nheads;
        enum head_style style;
        int next; /* number of the next note or clause */
};

/*
 * Writes sections until page until is full, keeping reserve points free at
 * its foot; stops at once if the document is already past that page.
 */
static void doc_filler(struct doc *d, struct rng *r, struct filler *f,
                       int until, double reserve, GString *buf)
{
        double width = d->w - d->left - d->right;
        double limit = d->h - d->bottom - reserve;
        char head[160];
        int left_in_section = 0;

        while (d->page <= until) {
                int lines;

                if (left_in_section == 0) {
                        const char *h =
                            f->heads[(size_t)(f->next - 1) % f->nheads];
                        if (d->page == until &&
                            d->y + 60 + 4 * d->leading > limit)
                                break;
                        if (f->style == HEAD_NOTE)
                                bprintf(head, sizeof(head), "Note %d  %s",
                                        f->next, h);
                        else if (f->style == HEAD_CLAUSE)
                                bprintf(head, sizeof(head), "%d. %s", f->next,
                                        h);
                        else
                                bprintf(head, sizeof(head), "%s", h);
                        f->next++;
                        doc_heading(d, head,
                                    f->style == HEAD_CLAUSE ? 11 : 12.5);
                        left_in_section = rng_int(r, 1, 4);
                }
                vocab_paragraph(r, f->v, buf, 3, 7);
                doc_body(d);
                lines = doc_wrap(d, buf->str, d->left, width, d->leading, 0);
                if (d->page == until && d->y + lines * d->leading > limit)
                        break;
                doc_para(d, buf->str);
                left_in_section--;
        }
}

/* ---- ground truth ---- */

struct truth {
        const char *type;     /* class name, static */
        const char *language; /* static */
        GString *fields;      /* the members of the "fields" object */
        int pages;
};

static void json_quote(GString *out, const char *s)
{
        g_string_append_c(out, '"');
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (c == '"' || c == '\\')
                        g_string_append_printf(out, "\\%c", c);
                else if (c < 0x20)
                        g_string_append_printf(out, "\\u%04x", c);
                else
                        g_string_append_c(out, (char)c);
        }
        g_string_append_c(out, '"');
}

static void truth_key(struct truth *t, const char *key)
{
        if (t->fields->len)
                g_string_append(t->fields, ", ");
        json_quote(t->fields, key);
        g_string_append(t->fields, ": ");
}

static void truth_str(struct truth *t, const char *key, const char *val)
{
        truth_key(t, key);
        json_quote(t->fields, val);
}

static void truth_amount(struct truth *t, const char *key, long long cents)
{
        char buf[48];

        fmt_plain(buf, sizeof(buf), cents);
        truth_str(t, key, buf);
}

static void truth_date(struct truth *t, const char *key, struct date dt)
{
        char buf[16];

        fmt_date(buf, sizeof(buf), dt, DF_ISO);
        truth_str(t, key, buf);
}

static void truth_year(struct truth *t, const char *key, int year)
{
        char buf[16];

        bprintf(buf, sizeof(buf), "%d", year);
        truth_str(t, key, buf);
}

static int truth_write(const struct truth *t, const char *path)
{
        GString *out = g_string_new("{\"type\": ");
        GError *gerr = NULL;
        int rc = 0;

        json_quote(out, t->type);
        g_string_append(out, ", \"language\": ");
        json_quote(out, t->language);
        g_string_append_printf(out, ", \"fields\": {%s}, \"pages\": %d}\n",
                               t->fields->str, t->pages);
        if (!g_file_set_contents(path, out->str, (gssize)out->len, &gerr)) {
                fprintf(stderr, "docgen: %s: %s\n", path, gerr->message);
                g_error_free(gerr);
                rc = -1;
        }
        g_string_free(out, TRUE);
        return rc;
}

/* ---- one document being generated ---- */

struct job {
        struct rng rng;
        const struct fonts *fonts; /* borrowed */
        const char *path;          /* the PDF to write, borrowed */
        int pages;                 /* target page count */
        int loc;                   /* enum loc, or -1 to pick */
        int variant;               /* layout or form, or -1 to pick */
        int year;                  /* fiscal or tax year, or 0 to pick */
        struct doc doc;
        struct truth truth;
        GString *buf; /* paragraph scratch */
        int upper;    /* labels in capitals */
        int colon;    /* labels end in ':' */
        char lab[8][128]; /* label scratch, used in turn */
        int lab_next;
};

/* The document's country: j->loc, or one picked (not the US when
 * allow_us is 0: no IBAN there). Also sets the truth's language. */
static const struct locale *job_locale(struct job *j, int allow_us)
{
        if (j->loc < 0 || (!allow_us && j->loc == LOC_US))
                j->loc = rng_int(&j->rng, allow_us ? 0 : 1, LOC_COUNT - 1);
        j->truth.language = lang_code[locales[j->loc].lang];
        return &locales[j->loc];
}

/* A label as this document writes them: in capitals or not, with a colon
 * or not. Returns one of a few scratch buffers of j, used in turn. */
static const char *job_label(struct job *j, const char *s)
{
        char *out = j->lab[j->lab_next];
        gchar *up = NULL;

        j->lab_next = (j->lab_next + 1) % (int)G_N_ELEMENTS(j->lab);
        if (j->upper)
                up = g_utf8_strup(s, -1);
        bprintf(out, sizeof(j->lab[0]), "%s%s", up ? up : s,
                j->colon && s[strlen(s) - 1] != ':' ? ":" : "");
        g_free(up);
        return out;
}

/*
 * Fills tmpl into buf: each directive (%s, %d, %06X, ...) takes the next
 * string of the NULL-terminated argument list, formatted by the caller;
 * "%%" is a percent sign. The templates are per-language data, which
 * printf's format checking cannot see, so they never reach printf.
 */
static void tfill(char *buf, size_t n, const char *tmpl, ...)
{
        size_t o = 0;
        int done = 0;
        va_list ap;

        va_start(ap, tmpl);
        for (const char *p = tmpl; *p && o + 1 < n; p++) {
                const char *arg;

                if (*p != '%') {
                        buf[o++] = *p;
                        continue;
                }
                if (p[1] == '%') {
                        buf[o++] = '%';
                        p++;
                        continue;
                }
                while (p[1] && (g_ascii_isdigit(p[1]) || p[1] == '.'))
                        p++;
                if (p[1])
                        p++;
                arg = done ? NULL : va_arg(ap, const char *);
                done = arg == NULL;
                for (; arg && *arg && o + 1 < n; arg++)
                        buf[o++] = *arg;
        }
        va_end(ap);
        buf[o] = '\0';
        utf8_trim(buf);
}

/* Creates the PDF; the date stamps are the document's own, for
 * reproducible bytes. Returns -1 (reported) if cairo cannot. */
static int job_open(struct job *j, double w, double h, struct date created,
                    const char *title)
{
        static const double accents[][3] = {{0.05, 0.22, 0.45},
                                            {0.45, 0.10, 0.15},
                                            {0.08, 0.38, 0.30},
                                            {0.25, 0.25, 0.28}};
        struct doc *d = &j->doc;
        char stamp[32];
        int a = rng_int(&j->rng, 0, (int)G_N_ELEMENTS(accents) - 1);

        memset(d, 0, sizeof(*d));
        d->surface = cairo_pdf_surface_create(j->path, w, h);
        if (cairo_surface_status(d->surface) != CAIRO_STATUS_SUCCESS) {
                fprintf(
                    stderr, "docgen: %s: %s\n", j->path,
                    cairo_status_to_string(cairo_surface_status(d->surface)));
                cairo_surface_destroy(d->surface);
                d->surface = NULL;
                return -1;
        }
        bprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT09:30:00", created.y,
                created.m, created.d);
        cairo_pdf_surface_set_metadata(d->surface,
                                       CAIRO_PDF_METADATA_CREATE_DATE, stamp);
        cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_MOD_DATE,
                                       stamp);
        cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_TITLE,
                                       title);
        cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATOR,
                                       "docpipe docgen");
        d->cr = cairo_create(d->surface);
        d->fonts = j->fonts;
        d->w = w;
        d->h = h;
        d->left = d->right = w < 300 ? 14 : 56;
        d->top = d->bottom = w < 300 ? 16 : 56;
        d->y = d->top;
        d->page = 1;
        d->body = F_SERIF;
        d->body_size = 10;
        d->leading = 14;
        memcpy(d->accent, accents[a], sizeof(d->accent));
        doc_body(d);
        return 0;
}

/* Finishes the PDF and records its page count. Returns -1 (reported) if
 * cairo failed at any point of the drawing or writing. */
static int job_close(struct job *j)
{
        struct doc *d = &j->doc;
        cairo_status_t st;

        cairo_show_page(d->cr);
        st = cairo_status(d->cr);
        cairo_destroy(d->cr);
        cairo_surface_finish(d->surface);
        if (st == CAIRO_STATUS_SUCCESS)
                st = cairo_surface_status(d->surface);
        cairo_surface_destroy(d->surface);
        d->cr = NULL;
        d->surface = NULL;
        if (st != CAIRO_STATUS_SUCCESS) {
                fprintf(stderr, "docgen: %s: %s\n", j->path,
                        cairo_status_to_string(st));
                return -1;
        }
        j->truth.pages = d->page;
        return 0;
}

/* A short date format the country uses, now and then the written form. */
static enum datefmt job_datefmt(struct job *j, const struct locale *lc)
{
        int p = rng_int(&j->rng, 0, 99);

        if (p < 22)
                return lc->id == LOC_US ? DF_LONG_US : DF_LONG;
        if (p < 27)
                return DF_ISO;
        if (p < 40 && lc->short_date == DF_DE)
                return DF_DE_S;
        if (p < 40 && lc->short_date == DF_NL)
                return DF_NL_S;
        return lc->short_date;
}

/* Amounts of one document: its currency and how it is written. */
struct money {
        const char *code, *symbol;
        enum numfmt num;
        enum curstyle style;
};

static void job_money(struct job *j, const struct locale *lc,
                      struct money *m)
{
        static const struct {
                const char *code, *symbol;
        } others[] = {{"EUR", "€"}, {"USD", "$"}, {"GBP", "£"}, {"CHF", "CHF"}};
        int k;

        m->code = lc->currency;
        m->symbol = lc->symbol;
        m->num = lc->num;
        m->style = lc->cur;
        if (rng_chance(&j->rng, 15)) {
                k = rng_int(&j->rng, 0, (int)G_N_ELEMENTS(others) - 1);
                m->code = others[k].code;
                m->symbol = others[k].symbol;
        }
        if (rng_chance(&j->rng, 30))
                m->style = (enum curstyle)rng_int(&j->rng, 0, 3);
}

static void money_fmt(char *buf, size_t n, long long cents,
                      const struct money *m)
{
        fmt_cur_s(buf, n, cents, m->num, m->style, m->code, m->symbol);
}
/* ---- what documents say, per language ---- */

/* Invoices: labels with their synonyms (one is picked per document). */
struct inv_text {
        const char *title[3];
        const char *number[4], *date[4], *due[3];
        const char *custno[2], *orderno[2], *orderdate[2], *delivery[2];
        const char *terms, *terms_fmt; /* "Payment terms", "Net %d days" */
        const char *bill_to[3];
        const char *cols[5];
        const char *subtotal[3];
        const char *tax_fmt[2]; /* "VAT %s%%" */
        const char *total[5];
        const char *bank, *vat_id, *thanks;
        const char *cur_note_fmt; /* "All amounts in %s." */
        const char *pay_fmt;      /* due date, number */
        const char *inline_fmt;   /* number, date: the letter layout */
        const char *page_fmt;     /* "Page %d of %d" */
        const char *late_fmt;     /* a fee */
        const char *copy;         /* "COPY" */
        const char *dear, *intro; /* the letter layout's salutation */
};

static const struct inv_text inv_text[LANG_COUNT] = {
    {{"INVOICE", "Invoice", "TAX INVOICE"},
     {"Invoice No.", "Invoice Number", "Invoice #", "Invoice ID"},
     {"Invoice date", "Date", "Date of issue", "Issue date"},
     {"Due date", "Payment due", "Due by"},
     {"Customer No.", "Account No."},
     {"Order No.", "PO Number"},
     {"Order date", "PO date"},
     {"Delivery date", "Ship date"},
     "Payment terms",
     "Net %d days",
     {"Bill to", "Billed to", "Invoice to"},
     {"#", "Description", "Qty", "Unit price", "Amount"},
     {"Subtotal", "Net amount", "Total excl. VAT"},
     {"VAT %s%%", "Tax (%s%%)"},
     {"Total", "Total due", "Amount due", "Grand total", "Balance due"},
     "Bank details",
     "VAT ID",
     "Thank you for your business.",
     "All amounts in %s.",
     "Payment due by %s; please quote %s with your payment.",
     "Invoice %s dated %s",
     "Page %d of %d",
     "Invoices not paid on time incur a late fee of %s.",
     "COPY",
     "Dear Sir or Madam,",
     "for the services delivered we invoice you as follows:"},
    {{"RECHNUNG", "Rechnung", "RECHNUNG"},
     {"Rechnungsnummer", "Rechnungs-Nr.", "Rechnung Nr.", "Belegnummer"},
     {"Rechnungsdatum", "Datum", "Belegdatum", "Rechnungsdatum"},
     {"Fällig am", "Zahlbar bis", "Fälligkeitsdatum"},
     {"Kundennummer", "Kunden-Nr."},
     {"Bestellnummer", "Auftragsnummer"},
     {"Bestelldatum", "Auftragsdatum"},
     {"Lieferdatum", "Leistungsdatum"},
     "Zahlungsbedingungen",
     "%d Tage netto",
     {"Rechnungsempfänger", "Rechnungsadresse", "Kunde"},
     {"Pos.", "Beschreibung", "Menge", "Einzelpreis", "Betrag"},
     {"Zwischensumme", "Nettobetrag", "Summe netto"},
     {"USt. %s %%", "MwSt. %s %%"},
     {"Gesamtbetrag", "Rechnungsbetrag", "Endbetrag", "Zu zahlen",
      "Gesamtsumme"},
     "Bankverbindung",
     "USt-IdNr.",
     "Vielen Dank für Ihren Auftrag.",
     "Alle Beträge in %s.",
     "Zahlbar bis %s ohne Abzug. Bitte geben Sie %s als Verwendungszweck "
     "an.",
     "Rechnung Nr. %s vom %s",
     "Seite %d von %d",
     "Bei Zahlungsverzug berechnen wir eine Mahngebühr von %s.",
     "KOPIE",
     "Sehr geehrte Damen und Herren,",
     "für die erbrachten Leistungen erlauben wir uns, wie folgt in "
     "Rechnung zu stellen:"},
    {{"FACTURE", "Facture", "FACTURE"},
     {"Facture n°", "N° de facture", "Numéro de facture", "Facture N°"},
     {"Date de facture", "Date", "Date d'émission", "Date de facturation"},
     {"Date d'échéance", "Échéance", "À payer avant le"},
     {"N° client", "Code client"},
     {"N° de commande", "Réf. commande"},
     {"Date de commande", "Commande du"},
     {"Date de livraison", "Livré le"},
     "Conditions de paiement",
     "%d jours net",
     {"Facturé à", "Adresse de facturation", "Client"},
     {"N°", "Désignation", "Qté", "Prix unitaire HT", "Montant HT"},
     {"Total HT", "Montant HT", "Sous-total"},
     {"TVA %s %%", "TVA (%s %%)"},
     {"Total TTC", "Net à payer", "Montant TTC", "Total à payer",
      "Montant total"},
     "Coordonnées bancaires",
     "N° TVA intracommunautaire",
     "Merci de votre confiance.",
     "Tous les montants sont exprimés en %s.",
     "À régler avant le %s en indiquant la référence %s.",
     "Facture n° %s du %s",
     "Page %d/%d",
     "Tout retard de paiement entraîne une indemnité forfaitaire de %s.",
     "COPIE",
     "Madame, Monsieur,",
     "veuillez trouver ci-dessous le détail de nos prestations :"},
    {{"FACTUUR", "Factuur", "FACTUUR"},
     {"Factuurnummer", "Factuurnr.", "Factuur nr.", "Nummer"},
     {"Factuurdatum", "Datum", "Factuur datum", "Factuurdatum"},
     {"Vervaldatum", "Uiterste betaaldatum", "Te betalen voor"},
     {"Klantnummer", "Debiteurnummer"},
     {"Ordernummer", "Bestelnummer"},
     {"Orderdatum", "Besteldatum"},
     {"Leverdatum", "Afleverdatum"},
     "Betalingstermijn",
     "%d dagen netto",
     {"Factuuradres", "Gefactureerd aan", "Klant"},
     {"Nr.", "Omschrijving", "Aantal", "Prijs per stuk", "Bedrag"},
     {"Subtotaal", "Totaal excl. BTW", "Netto bedrag"},
     {"BTW %s%%", "BTW (%s%%)"},
     {"Totaal", "Te betalen", "Totaalbedrag", "Totaal incl. BTW",
      "Factuurbedrag"},
     "Bankgegevens",
     "BTW-nummer",
     "Bedankt voor uw opdracht.",
     "Alle bedragen in %s.",
     "Gelieve te betalen voor %s onder vermelding van %s.",
     "Factuur nr. %s van %s",
     "Pagina %d van %d",
     "Bij te late betaling brengen wij %s administratiekosten in rekening.",
     "KOPIE",
     "Geachte heer/mevrouw,",
     "hierbij ontvangt u de factuur voor de geleverde diensten:"},
    {{"FACTURA", "Factura", "FACTURA"},
     {"Factura n.º", "Número de factura", "N.º factura", "Factura nº"},
     {"Fecha de factura", "Fecha", "Fecha de emisión", "Fecha factura"},
     {"Fecha de vencimiento", "Vencimiento", "Pagar antes del"},
     {"N.º de cliente", "Código cliente"},
     {"N.º de pedido", "Pedido"},
     {"Fecha de pedido", "Fecha pedido"},
     {"Fecha de entrega", "Entregado el"},
     "Forma de pago",
     "%d días netos",
     {"Facturar a", "Datos del cliente", "Cliente"},
     {"N.º", "Descripción", "Cant.", "Precio unitario", "Importe"},
     {"Base imponible", "Subtotal", "Importe neto"},
     {"IVA %s %%", "IVA (%s %%)"},
     {"Total", "Total a pagar", "Importe total", "Total factura",
      "Total factura"},
     "Datos bancarios",
     "NIF/CIF",
     "Gracias por su confianza.",
     "Todos los importes en %s.",
     "Pagadero antes del %s indicando la referencia %s.",
     "Factura n.º %s de fecha %s",
     "Página %d de %d",
     "Los pagos fuera de plazo devengan un recargo de %s.",
     "COPIA",
     "Estimados señores:",
     "por los servicios prestados les facturamos lo siguiente:"}};

static const struct product {
        l5 name;
        int lo, hi, maxqty; /* unit price range in whole units */
} products[] = {
    {L5("Consulting services, senior consultant (hours)",
        "Beratung Senior Consultant (Std.)", "Conseil, consultant senior "
        "(heures)", "Advieswerk senior consultant (uren)",
        "Consultoría, consultor sénior (horas)"),
     120, 220, 60},
    {L5("Software licence, annual subscription",
        "Softwarelizenz, Jahresabonnement", "Licence logicielle, abonnement "
        "annuel", "Softwarelicentie, jaarabonnement",
        "Licencia de software, suscripción anual"),
     400, 4800, 5},
    {L5("Cloud hosting, standard plan (monthly)",
        "Cloud-Hosting, Standardtarif (monatlich)", "Hébergement cloud, "
        "formule standard (mensuel)", "Cloudhosting, standaard (maandelijks)",
        "Alojamiento en la nube, plan estándar (mensual)"),
     49, 890, 12},
    {L5("On-site installation and configuration",
        "Installation und Konfiguration vor Ort", "Installation et "
        "configuration sur site", "Installatie en configuratie op locatie",
        "Instalación y configuración in situ"),
     350, 2400, 3},
    {L5("Technical support package, 10 hours",
        "Supportpaket Technik, 10 Stunden", "Forfait support technique, 10 "
        "heures", "Supportpakket techniek, 10 uur",
        "Paquete de soporte técnico, 10 horas"),
     600, 1500, 4},
    {L5("Steel fasteners M8 x 40, box of 100",
        "Stahlschrauben M8 x 40, 100 Stück", "Vis acier M8 x 40, boîte de "
        "100", "Stalen bouten M8 x 40, doos van 100",
        "Tornillos de acero M8 x 40, caja de 100"),
     12, 40, 40},
    {L5("Office chair, ergonomic model", "Bürostuhl, ergonomisches Modell",
        "Chaise de bureau ergonomique", "Bureaustoel, ergonomisch model",
        "Silla de oficina ergonómica"),
     180, 520, 12},
    {L5("Training workshop, per participant", "Schulung, pro Teilnehmer",
        "Atelier de formation, par participant",
        "Training, per deelnemer", "Taller de formación, por participante"),
     250, 900, 15},
    {L5("Freight and packaging", "Fracht und Verpackung",
        "Transport et emballage", "Vracht en verpakking",
        "Transporte y embalaje"),
     25, 300, 1},
    {L5("Data migration services (hours)", "Datenmigration (Std.)",
        "Migration de données (heures)", "Datamigratie (uren)",
        "Migración de datos (horas)"),
     95, 180, 40},
    {L5("Laser printer toner cartridge", "Tonerkartusche Laserdrucker",
        "Cartouche de toner laser", "Tonercartridge laserprinter",
        "Cartucho de tóner láser"),
     45, 160, 20},
    {L5("Annual maintenance contract", "Jährlicher Wartungsvertrag",
        "Contrat de maintenance annuel", "Jaarlijks onderhoudscontract",
        "Contrato de mantenimiento anual"),
     900, 6000, 1},
    {L5("UX design sprint (days)", "UX-Design-Sprint (Tage)",
        "Sprint de design UX (jours)", "UX-designsprint (dagen)",
        "Sprint de diseño UX (días)"),
     800, 1600, 10},
    {L5("Network switch 24-port, managed", "Netzwerk-Switch 24 Port",
        "Commutateur réseau 24 ports", "Netwerkswitch 24 poorten",
        "Conmutador de red de 24 puertos"),
     280, 1200, 8},
    {L5("Translation services (per 1,000 words)",
        "Übersetzung (je 1.000 Wörter)", "Traduction (par 1 000 mots)",
        "Vertaling (per 1.000 woorden)", "Traducción (por 1.000 palabras)"),
     90, 220, 30},
    {L5("Audit preparation support", "Unterstützung Abschlussprüfung",
        "Assistance à la préparation de l'audit",
        "Ondersteuning jaarrekeningcontrole",
        "Apoyo en la preparación de la auditoría"),
     1500, 7000, 1}};

/* Receipts. */
struct rcpt_text {
        const char *title, *total, *tax_fmt, *incl_fmt, *card, *approved,
            *items_fmt, *thanks, *cashier, *vatno, *store_fmt, *subtotal;
};

static const struct rcpt_text rcpt_text[LANG_COUNT] = {
    {"SALES RECEIPT", "TOTAL", "SALES TAX %s%%", "incl. VAT %s%%",
     "Contactless  AUTH CODE %06X", "APPROVED - CARDHOLDER COPY",
     "Items sold: %d", "Thank you for shopping with us!", "Cashier",
     "VAT No.", "Store %04d  Reg %02d  Trans %05d", "SUBTOTAL"},
    {"KASSENBON", "SUMME", "MwSt %s%%", "enth. MwSt %s%%",
     "Kontaktlos  Autorisierung %06X", "Zahlung erfolgt - Kundenbeleg",
     "Anzahl Artikel: %d", "Vielen Dank für Ihren Einkauf!", "Kasse",
     "USt-IdNr.", "Filiale %04d  Kasse %02d  Bon %05d", "ZWISCHENSUMME"},
    {"TICKET DE CAISSE", "TOTAL", "TVA %s%%", "dont TVA %s%%",
     "Sans contact  Autorisation %06X", "PAIEMENT ACCEPTE - TICKET CLIENT",
     "Nombre d'articles : %d", "Merci de votre visite !", "Caisse",
     "N° TVA", "Magasin %04d  Caisse %02d  Ticket %05d", "SOUS-TOTAL"},
    {"KASSABON", "TOTAAL", "BTW %s%%", "waarvan BTW %s%%",
     "Contactloos  Autorisatie %06X", "BETAALD - KLANTBON",
     "Aantal artikelen: %d", "Bedankt voor uw aankoop!", "Kassa",
     "BTW-nr.", "Winkel %04d  Kassa %02d  Bon %05d", "SUBTOTAAL"},
    {"TICKET DE COMPRA", "TOTAL", "IVA %s%%", "IVA incluido %s%%",
     "Sin contacto  Autorización %06X", "OPERACION APROBADA - COPIA CLIENTE",
     "Artículos: %d", "¡Gracias por su compra!", "Caja", "NIF",
     "Tienda %04d  Caja %02d  Ticket %05d", "SUBTOTAL"}};

static const struct {
        l5 name;
        int lo, hi; /* cents */
} receipt_items[] = {
    {L5("Whole milk 1L", "Vollmilch 1L", "Lait entier 1L", "Volle melk 1L",
        "Leche entera 1L"),
     89, 189},
    {L5("Sourdough bread", "Sauerteigbrot", "Pain au levain",
        "Zuurdesembrood", "Pan de masa madre"),
     249, 549},
    {L5("Bananas 1kg", "Bananen 1kg", "Bananes 1kg", "Bananen 1kg",
        "Plátanos 1kg"),
     99, 249},
    {L5("Coffee beans 500g", "Kaffeebohnen 500g", "Café en grains 500g",
        "Koffiebonen 500g", "Café en grano 500g"),
     599, 1499},
    {L5("AA batteries 4pk", "Batterien AA 4er", "Piles AA x4",
        "Batterijen AA 4st", "Pilas AA 4 uds"),
     399, 899},
    {L5("Notebook A5", "Notizbuch A5", "Cahier A5", "Notitieboek A5",
        "Cuaderno A5"),
     199, 699},
    {L5("Olive oil 750ml", "Olivenöl 750ml", "Huile d'olive 75cl",
        "Olijfolie 750ml", "Aceite de oliva 750ml"),
     599, 1299},
    {L5("Cheddar cheese 200g", "Bergkäse 200g", "Comté 200g",
        "Goudse kaas 200g", "Queso manchego 200g"),
     249, 499},
    {L5("Greek yogurt 500g", "Joghurt griechisch 500g",
        "Yaourt grec 500g", "Griekse yoghurt 500g", "Yogur griego 500g"),
     179, 399},
    {L5("Orange juice 1L", "Orangensaft 1L", "Jus d'orange 1L",
        "Sinaasappelsap 1L", "Zumo de naranja 1L"),
     199, 449},
    {L5("Pasta 500g", "Nudeln 500g", "Pâtes 500g", "Pasta 500g",
        "Pasta 500g"),
     99, 299},
    {L5("Cappuccino large", "Cappuccino groß", "Cappuccino grand",
        "Cappuccino groot", "Capuchino grande"),
     329, 499}};

static const char *const merchants[] = {
    "Green Basket Market",  "Harborview Hardware",    "Copper Kettle Cafe",
    "Northside Pharmacy",   "Bright Office Supplies", "Maple Street Books",
    "FreshWay Supermarket", "Urban Fuel Station",     "Marktkauf Linden",
    "Boulangerie Moreau",   "Bakkerij Van Dijk",      "Supermercado Sol"};

/* Bank statements. */
struct bank_text {
        const char *title, *holder, *currency, *period, *stmt_date, *opening,
            *paid_in, *paid_out, *closing, *stmt_no;
        const char *cols[5];
        const char *fwd, *cfwd, *footer_fmt, *on;
        const char *tx[13]; /* as txkinds[] below */
};

static const struct bank_text bank_text[LANG_COUNT] = {
    {"Account Statement", "Account holder", "Currency", "Statement period",
     "Statement date", "Opening balance", "Total paid in", "Total paid out",
     "Closing balance", "Statement no.",
     {"Date", "Description", "Paid out", "Paid in", "Balance"},
     "Balance brought forward", "Balance carried forward",
     "Please examine this statement carefully and tell us about any "
     "discrepancy within 30 days. Eligible deposits with %s are protected "
     "up to %s 100,000 per depositor by the national deposit guarantee "
     "scheme.",
     "on",
     {"SEPA credit transfer", "Salary", "Transfer from", "Card payment",
      "Card payment", "Card payment", "Direct debit", "Direct debit",
      "Standing order Rent", "ATM withdrawal", "Transfer to",
      "Interest credit", "Account maintenance fee"}},
    {"Kontoauszug", "Kontoinhaber", "Währung", "Auszugszeitraum",
     "Auszugsdatum", "Alter Kontostand", "Summe Gutschriften",
     "Summe Belastungen", "Neuer Kontostand", "Auszug Nr.",
     {"Datum", "Buchungstext", "Soll", "Haben", "Saldo"},
     "Übertrag", "Übertrag auf neue Rechnung",
     "Bitte prüfen Sie diesen Kontoauszug und teilen Sie uns Einwendungen "
     "innerhalb von 30 Tagen mit. Einlagen bei der %s sind bis %s 100.000 "
     "je Einleger durch die gesetzliche Einlagensicherung geschützt.",
     "per",
     {"SEPA-Gutschrift", "Gehalt", "Überweisung von", "Kartenzahlung",
      "Kartenzahlung", "Kartenzahlung", "Lastschrift", "Lastschrift",
      "Dauerauftrag Miete", "Geldautomat", "Überweisung an",
      "Zinsgutschrift", "Kontoführungsgebühr"}},
    {"Relevé de compte", "Titulaire du compte", "Devise", "Période",
     "Date du relevé", "Ancien solde", "Total des crédits",
     "Total des débits", "Nouveau solde", "Relevé n°",
     {"Date", "Libellé", "Débit", "Crédit", "Solde"},
     "Solde reporté", "Solde à reporter",
     "Veuillez vérifier ce relevé et nous signaler toute anomalie sous 30 "
     "jours. Les dépôts auprès de %s sont garantis jusqu'à %s 100 000 par "
     "déposant par le fonds de garantie des dépôts.",
     "au",
     {"Virement SEPA reçu", "Salaire", "Virement de", "Paiement carte",
      "Paiement carte", "Paiement carte", "Prélèvement", "Prélèvement",
      "Virement permanent loyer", "Retrait DAB", "Virement à",
      "Intérêts créditeurs", "Frais de tenue de compte"}},
    {"Rekeningafschrift", "Rekeninghouder", "Valuta", "Periode",
     "Datum afschrift", "Beginsaldo", "Totaal bijgeschreven",
     "Totaal afgeschreven", "Eindsaldo", "Afschrift nr.",
     {"Datum", "Omschrijving", "Af", "Bij", "Saldo"},
     "Saldo vorig afschrift", "Saldo naar volgend afschrift",
     "Controleer dit afschrift en meld eventuele onjuistheden binnen 30 "
     "dagen. Tegoeden bij %s zijn tot %s 100.000 per rekeninghouder "
     "beschermd door het depositogarantiestelsel.",
     "per",
     {"SEPA overboeking", "Salaris", "Overboeking van", "Betaalautomaat",
      "Betaalautomaat", "Betaalautomaat", "Incasso", "Incasso",
      "Periodieke overboeking huur", "Geldautomaat", "Overboeking naar",
      "Rentebijschrijving", "Kosten betaalpakket"}},
    {"Extracto de cuenta", "Titular", "Divisa", "Periodo",
     "Fecha del extracto", "Saldo anterior", "Total abonos",
     "Total cargos", "Saldo final", "Extracto n.º",
     {"Fecha", "Concepto", "Cargo", "Abono", "Saldo"},
     "Saldo anterior", "Saldo a cuenta nueva",
     "Revise este extracto y comuníquenos cualquier discrepancia en un "
     "plazo de 30 días. Los depósitos en %s están garantizados hasta %s "
     "100.000 por depositante por el fondo de garantía de depósitos.",
     "a",
     {"Transferencia SEPA recibida", "Nómina", "Transferencia de",
      "Pago con tarjeta", "Pago con tarjeta", "Pago con tarjeta", "Recibo",
      "Recibo", "Orden permanente alquiler", "Reintegro cajero",
      "Transferencia a", "Abono de intereses", "Comisión de mantenimiento"}}};

/* Reports: what the statements and covers say. */
struct rep_text {
        const char *annual, *quarterly, *fy_ended_fmt, *q_ended_fmt;
        const char *contents, *highlights, *letter, *dear, *mgmt, *notes;
        const char *is_title, *bs_title, *is_sub_fmt, *bs_sub_fmt;
        const char *grand_year, *grand_period;
        const char *hl[5]; /* revenue, gross, operating, net income, assets */
        const char *letter_fmt; /* year, company, verb, pct, cur, m1, cur, m2 */
        const char *up, *down, *sincerely, *ceo, *q_hl_fmt;
        const char *employees, *eps;
};

static const struct rep_text rep_text[LANG_COUNT] = {
    {"Annual Report", "Quarterly Report", "For the financial year ended %s",
     "For the quarter ended %s (unaudited)", "Contents",
     "Financial highlights", "Letter to Shareholders", "Dear Shareholders,",
     "Management Report", "Notes to the Consolidated Financial Statements",
     "Consolidated Income Statement", "Consolidated Balance Sheet",
     "For the year ended %s (in %s)", "As at %s (in %s)",
     "Net income for the year", "Net income for the period",
     {"Revenue", "Gross profit", "Operating profit", "Net income",
      "Total assets"},
     "%d was a year of progress for %s. Revenue %s by %d.%d%% to %s %s "
     "million, and net income reached %s %s million.",
     "increased", "decreased", "Yours sincerely,", "Chief Executive Officer",
     "Revenue for the quarter was %s %s, compared with %s %s in the same "
     "quarter of the prior year. Net income for the quarter amounted to %s "
     "%s.",
     "Employees at year end", "Earnings per share"},
    {"Geschäftsbericht", "Quartalsbericht", "Für das Geschäftsjahr zum %s",
     "Für das Quartal zum %s (ungeprüft)", "Inhalt", "Kennzahlen im "
     "Überblick", "Brief an die Aktionäre", "Sehr geehrte Aktionärinnen und "
     "Aktionäre,", "Lagebericht", "Konzernanhang",
     "Konzern-Gewinn- und Verlustrechnung", "Konzernbilanz",
     "Für das Geschäftsjahr zum %s (in %s)", "Zum %s (in %s)",
     "Konzernjahresüberschuss", "Periodenergebnis",
     {"Umsatzerlöse", "Bruttoergebnis", "Betriebsergebnis",
      "Konzernjahresüberschuss", "Bilanzsumme"},
     "%d war für die %s ein erfolgreiches Jahr. Der Umsatz %s um %d,%d %% "
     "auf %s %s Mio., der Jahresüberschuss erreichte %s %s Mio.",
     "stieg", "sank", "Mit freundlichen Grüßen", "Vorsitzender des Vorstands",
     "Die Umsatzerlöse des Quartals betrugen %s %s nach %s %s im "
     "Vorjahresquartal. Das Periodenergebnis belief sich auf %s %s.",
     "Mitarbeiter zum Jahresende", "Ergebnis je Aktie"},
    {"Rapport annuel", "Rapport trimestriel", "Exercice clos le %s",
     "Trimestre clos le %s (non audité)", "Sommaire", "Chiffres clés",
     "Lettre aux actionnaires", "Chers actionnaires,", "Rapport de gestion",
     "Notes annexes aux comptes consolidés", "Compte de résultat consolidé",
     "Bilan consolidé", "Exercice clos le %s (en %s)", "Au %s (en %s)",
     "Résultat net de l'exercice", "Résultat net de la période",
     {"Chiffre d'affaires", "Marge brute", "Résultat opérationnel",
      "Résultat net", "Total de l'actif"},
     "%d a été une année de progrès pour %s. Le chiffre d'affaires a %s de "
     "%d,%d %% à %s %s millions et le résultat net a atteint %s %s "
     "millions.",
     "progressé", "reculé", "Veuillez agréer nos salutations distinguées.",
     "Président-directeur général",
     "Le chiffre d'affaires du trimestre s'élève à %s %s, contre %s %s au "
     "même trimestre de l'exercice précédent. Le résultat net du trimestre "
     "atteint %s %s.",
     "Effectifs à la clôture", "Résultat par action"},
    {"Jaarverslag", "Kwartaalbericht", "Over het boekjaar eindigend op %s",
     "Over het kwartaal eindigend op %s (niet gecontroleerd)", "Inhoud",
     "Kerncijfers", "Brief aan de aandeelhouders", "Geachte aandeelhouders,",
     "Bestuursverslag", "Toelichting op de geconsolideerde jaarrekening",
     "Geconsolideerde winst-en-verliesrekening", "Geconsolideerde balans",
     "Boekjaar eindigend op %s (in %s)", "Per %s (in %s)",
     "Nettowinst over het boekjaar", "Nettowinst over de periode",
     {"Netto-omzet", "Brutowinst", "Bedrijfsresultaat", "Nettowinst",
      "Totaal activa"},
     "%d was een jaar van vooruitgang voor %s. De omzet is %s met %d,%d%% "
     "tot %s %s miljoen en de nettowinst bedroeg %s %s miljoen.",
     "gestegen", "gedaald", "Met vriendelijke groet,",
     "Voorzitter van de raad van bestuur",
     "De netto-omzet over het kwartaal bedroeg %s %s, tegenover %s %s in "
     "hetzelfde kwartaal vorig jaar. De nettowinst over het kwartaal "
     "bedroeg %s %s.",
     "Medewerkers ultimo jaar", "Winst per aandeel"},
    {"Informe anual", "Informe trimestral", "Ejercicio terminado el %s",
     "Trimestre terminado el %s (no auditado)", "Índice", "Principales "
     "magnitudes", "Carta a los accionistas", "Estimados accionistas:",
     "Informe de gestión", "Memoria consolidada",
     "Cuenta de resultados consolidada", "Balance consolidado",
     "Ejercicio terminado el %s (en %s)", "A %s (en %s)",
     "Resultado neto del ejercicio", "Resultado neto del periodo",
     {"Ingresos", "Margen bruto", "Resultado de explotación",
      "Resultado neto", "Total activo"},
     "%d fue un año de avances para %s. Los ingresos %s un %d,%d %% hasta "
     "%s %s millones y el resultado neto alcanzó %s %s millones.",
     "aumentaron", "disminuyeron", "Atentamente,",
     "Consejero delegado",
     "Los ingresos del trimestre ascendieron a %s %s, frente a %s %s en el "
     "mismo trimestre del ejercicio anterior. El resultado neto del "
     "trimestre fue de %s %s.",
     "Empleados al cierre", "Beneficio por acción"}};

/* The rows of the statements, per language (see struct fsline). */
static const l5 income_labels[12] = {
    L5("Revenue", "Umsatzerlöse", "Chiffre d'affaires", "Netto-omzet",
       "Ingresos"),
    L5("Cost of sales", "Umsatzkosten", "Coût des ventes", "Kostprijs van "
       "de omzet", "Coste de las ventas"),
    L5("Gross profit", "Bruttoergebnis vom Umsatz", "Marge brute",
       "Brutowinst", "Margen bruto"),
    L5("Selling and distribution expenses", "Vertriebskosten",
       "Frais commerciaux", "Verkoopkosten", "Gastos de distribución"),
    L5("Administrative expenses", "Verwaltungskosten",
       "Frais administratifs", "Algemene beheerskosten",
       "Gastos de administración"),
    L5("Other operating income", "Sonstige betriebliche Erträge",
       "Autres produits opérationnels", "Overige bedrijfsopbrengsten",
       "Otros ingresos de explotación"),
    L5("Operating profit", "Betriebsergebnis", "Résultat opérationnel",
       "Bedrijfsresultaat", "Resultado de explotación"),
    L5("Finance income", "Finanzerträge", "Produits financiers",
       "Financiële baten", "Ingresos financieros"),
    L5("Finance costs", "Finanzaufwendungen", "Charges financières",
       "Financiële lasten", "Gastos financieros"),
    L5("Profit before tax", "Ergebnis vor Steuern", "Résultat avant impôt",
       "Resultaat voor belastingen", "Resultado antes de impuestos"),
    L5("Income tax expense", "Ertragsteuern", "Impôt sur le résultat",
       "Winstbelasting", "Impuesto sobre beneficios"),
    L5("Net income", "Konzernjahresüberschuss", "Résultat net", "Nettowinst",
       "Resultado neto")};
static const l5 balance_labels[27] = {
    L5("ASSETS", "AKTIVA", "ACTIF", "ACTIVA", "ACTIVO"),
    L5("Non-current assets", "Langfristige Vermögenswerte",
       "Actifs non courants", "Vaste activa", "Activo no corriente"),
    L5("Property, plant and equipment", "Sachanlagen",
       "Immobilisations corporelles", "Materiële vaste activa",
       "Inmovilizado material"),
    L5("Intangible assets", "Immaterielle Vermögenswerte",
       "Immobilisations incorporelles", "Immateriële vaste activa",
       "Inmovilizado intangible"),
    L5("Goodwill", "Geschäfts- oder Firmenwert", "Écart d'acquisition",
       "Goodwill", "Fondo de comercio"),
    L5("Total non-current assets", "Summe langfristige Vermögenswerte",
       "Total actifs non courants", "Totaal vaste activa",
       "Total activo no corriente"),
    L5("Current assets", "Kurzfristige Vermögenswerte", "Actifs courants",
       "Vlottende activa", "Activo corriente"),
    L5("Inventories", "Vorräte", "Stocks", "Voorraden", "Existencias"),
    L5("Trade and other receivables", "Forderungen aus Lieferungen und "
       "Leistungen", "Créances clients", "Handelsvorderingen",
       "Deudores comerciales"),
    L5("Cash and cash equivalents", "Zahlungsmittel",
       "Trésorerie et équivalents", "Liquide middelen",
       "Efectivo y equivalentes"),
    L5("Total current assets", "Summe kurzfristige Vermögenswerte",
       "Total actifs courants", "Totaal vlottende activa",
       "Total activo corriente"),
    L5("Total assets", "Bilanzsumme", "Total de l'actif", "Totaal activa",
       "Total activo"),
    L5("EQUITY AND LIABILITIES", "PASSIVA", "PASSIF", "PASSIVA",
       "PATRIMONIO NETO Y PASIVO"),
    L5("Share capital", "Gezeichnetes Kapital", "Capital social",
       "Aandelenkapitaal", "Capital social"),
    L5("Retained earnings", "Gewinnrücklagen", "Réserves",
       "Overige reserves", "Reservas"),
    L5("Total equity", "Summe Eigenkapital", "Total capitaux propres",
       "Totaal eigen vermogen", "Total patrimonio neto"),
    L5("Non-current liabilities", "Langfristige Schulden",
       "Passifs non courants", "Langlopende schulden",
       "Pasivo no corriente"),
    L5("Borrowings", "Finanzverbindlichkeiten", "Emprunts", "Leningen",
       "Deudas financieras"),
    L5("Lease liabilities", "Leasingverbindlichkeiten", "Dettes locatives",
       "Leaseverplichtingen", "Pasivos por arrendamiento"),
    L5("Total non-current liabilities", "Summe langfristige Schulden",
       "Total passifs non courants", "Totaal langlopende schulden",
       "Total pasivo no corriente"),
    L5("Current liabilities", "Kurzfristige Schulden", "Passifs courants",
       "Kortlopende schulden", "Pasivo corriente"),
    L5("Trade and other payables", "Verbindlichkeiten aus Lieferungen und "
       "Leistungen", "Dettes fournisseurs", "Handelscrediteuren",
       "Acreedores comerciales"),
    L5("Current tax liabilities", "Steuerschulden", "Dettes d'impôt",
       "Belastingschulden", "Pasivos por impuestos"),
    L5("Short-term borrowings", "Kurzfristige Finanzschulden",
       "Emprunts à court terme", "Kortlopende leningen",
       "Deudas a corto plazo"),
    L5("Total current liabilities", "Summe kurzfristige Schulden",
       "Total passifs courants", "Totaal kortlopende schulden",
       "Total pasivo corriente"),
    L5("Total liabilities", "Summe Schulden", "Total des passifs",
       "Totaal schulden", "Total pasivo"),
    L5("Total equity and liabilities", "Bilanzsumme",
       "Total du passif", "Totaal passiva",
       "Total patrimonio neto y pasivo")};

/* Contracts. */
struct contract_text {
        const char *titles[3];
        const char *intro_fmt; /* title, date */
        const char *party_fmt; /* n, name, street, city, role, end */
        const char *and_end, *client, *provider, *parties, *recitals,
            *whereas_fmt, *services, *services_fmt, *term, *term_fmt, *fees,
            *fees_fmt, *law_head, *entire, *entire_text, *witness, *behalf,
            *by, *name, *title_l, *date_l;
};

static const struct contract_text contract_text[LANG_COUNT] = {
    {{"Services Agreement", "Master Services Agreement",
      "Consulting Services Agreement"},
     "This %s (the \"Agreement\") is entered into as of %s (the "
     "\"Effective Date\") by and between:",
     "(%d) %s, with its registered office at %s, %s (the \"%s\")%s",
     "; and", "Client", "Provider",
     "The Client and the Provider are each a \"Party\" and together the "
     "\"Parties\".",
     "Recitals",
     "WHEREAS, the Client wishes to engage the Provider to provide "
     "services, and the Provider has the expertise to provide such "
     "services; NOW, THEREFORE, the Parties agree as follows:",
     "1. Services",
     "The Provider shall provide the services described in Schedule 1 "
     "(the \"Services\") with due skill, care and diligence.",
     "2. Term",
     "This Agreement commences on the Effective Date and continues for an "
     "initial term of %d months.",
     "3. Fees and Payment Terms",
     "The Client shall pay the Provider a monthly fee of %s, exclusive of "
     "VAT. Each invoice is payable within %d days of receipt.",
     "Governing Law and Jurisdiction", "Entire Agreement",
     "This Agreement constitutes the entire agreement between the Parties "
     "and supersedes all prior agreements and understandings.",
     "IN WITNESS WHEREOF, the Parties have executed this Agreement as of "
     "the Effective Date.",
     "For and on behalf of", "By:", "Name:", "Title:", "Date:"},
    {{"Dienstleistungsvertrag", "Rahmenvertrag über Dienstleistungen",
      "Beratungsvertrag"},
     "Dieser %s (der \"Vertrag\") wird mit Wirkung zum %s (das "
     "\"Inkrafttreten\") geschlossen zwischen:",
     "(%d) %s, mit Sitz in %s, %s (nachfolgend \"%s\")%s",
     " und", "Auftraggeber", "Auftragnehmer",
     "Auftraggeber und Auftragnehmer werden einzeln \"Partei\" und "
     "gemeinsam \"Parteien\" genannt.",
     "Präambel",
     "Der Auftraggeber beabsichtigt, den Auftragnehmer mit Leistungen zu "
     "beauftragen. Die Parteien vereinbaren daher Folgendes:",
     "§ 1 Leistungen",
     "Der Auftragnehmer erbringt die in Anlage 1 beschriebenen Leistungen "
     "mit der Sorgfalt eines ordentlichen Kaufmanns.",
     "§ 2 Laufzeit",
     "Der Vertrag beginnt mit dem Inkrafttreten und läuft zunächst %d "
     "Monate.",
     "§ 3 Vergütung",
     "Der Auftraggeber zahlt eine monatliche Vergütung von %s zuzüglich "
     "Umsatzsteuer. Rechnungen sind innerhalb von %d Tagen zahlbar.",
     "Anwendbares Recht und Gerichtsstand", "Schlussbestimmungen",
     "Dieser Vertrag enthält sämtliche Vereinbarungen der Parteien. "
     "Änderungen bedürfen der Schriftform.",
     "Zum Zeichen ihres Einverständnisses unterzeichnen die Parteien diesen "
     "Vertrag.",
     "Für", "Unterschrift:", "Name:", "Funktion:", "Datum:"},
    {{"Contrat de prestation de services", "Contrat-cadre de services",
      "Contrat de conseil"},
     "Le présent %s (le \"Contrat\") est conclu à compter du %s (la \"Date "
     "d'effet\") entre les soussignés :",
     "(%d) %s, dont le siège social est situé %s, %s (ci-après le \"%s\")%s",
     " et", "Client", "Prestataire",
     "Le Client et le Prestataire sont ci-après dénommés ensemble les "
     "\"Parties\".",
     "Préambule",
     "Le Client souhaite confier au Prestataire la réalisation de "
     "prestations. Il a été convenu ce qui suit :",
     "Article 1 - Objet",
     "Le Prestataire s'engage à réaliser les prestations décrites en "
     "annexe 1 avec tout le soin nécessaire.",
     "Article 2 - Durée",
     "Le Contrat prend effet à la Date d'effet pour une durée initiale de %d "
     "mois.",
     "Article 3 - Prix et paiement",
     "Le Client verse au Prestataire une redevance mensuelle de %s hors "
     "taxes. Les factures sont payables à %d jours.",
     "Droit applicable et juridiction", "Intégralité du contrat",
     "Le présent Contrat exprime l'intégralité de l'accord des Parties.",
     "Fait en deux exemplaires originaux.",
     "Pour", "Signature :", "Nom :", "Qualité :", "Date :"},
    {{"Dienstverleningsovereenkomst", "Raamovereenkomst dienstverlening",
      "Adviesovereenkomst"},
     "Deze %s (de \"Overeenkomst\") wordt aangegaan met ingang van %s (de "
     "\"Ingangsdatum\") tussen:",
     "(%d) %s, gevestigd te %s, %s (hierna: \"%s\")%s",
     " en", "Opdrachtgever", "Opdrachtnemer",
     "Opdrachtgever en Opdrachtnemer worden gezamenlijk de \"Partijen\" "
     "genoemd.",
     "Overwegingen",
     "Opdrachtgever wenst Opdrachtnemer opdracht te geven tot het verlenen "
     "van diensten. Partijen komen het volgende overeen:",
     "Artikel 1 Diensten",
     "Opdrachtnemer verleent de in bijlage 1 omschreven diensten naar "
     "beste kunnen.",
     "Artikel 2 Looptijd",
     "De Overeenkomst gaat in op de Ingangsdatum en heeft een looptijd van "
     "%d maanden.",
     "Artikel 3 Vergoeding",
     "Opdrachtgever betaalt een maandelijkse vergoeding van %s exclusief "
     "BTW. Facturen worden binnen %d dagen betaald.",
     "Toepasselijk recht en bevoegde rechter", "Volledige overeenkomst",
     "Deze Overeenkomst bevat alle afspraken tussen Partijen.",
     "Aldus overeengekomen en in tweevoud ondertekend.",
     "Namens", "Handtekening:", "Naam:", "Functie:", "Datum:"},
    {{"Contrato de prestación de servicios", "Contrato marco de servicios",
      "Contrato de consultoría"},
     "El presente %s (el \"Contrato\") se celebra con efectos desde el %s "
     "(la \"Fecha de entrada en vigor\") entre:",
     "(%d) %s, con domicilio social en %s, %s (en lo sucesivo, el \"%s\")%s",
     " y", "Cliente", "Proveedor",
     "El Cliente y el Proveedor se denominarán conjuntamente las "
     "\"Partes\".",
     "Exponen",
     "Que el Cliente desea contratar los servicios del Proveedor. Las "
     "Partes acuerdan lo siguiente:",
     "Cláusula 1. Objeto",
     "El Proveedor prestará los servicios descritos en el anexo 1 con la "
     "debida diligencia.",
     "Cláusula 2. Duración",
     "El Contrato entra en vigor en la Fecha de entrada en vigor por un "
     "plazo inicial de %d meses.",
     "Cláusula 3. Precio y pago",
     "El Cliente abonará al Proveedor una cuota mensual de %s más IVA. Las "
     "facturas se pagarán en un plazo de %d días.",
     "Legislación aplicable y jurisdicción", "Acuerdo íntegro",
     "El presente Contrato constituye el acuerdo íntegro entre las Partes.",
     "Y en prueba de conformidad, las Partes firman el presente Contrato.",
     "Por", "Firma:", "Nombre:", "Cargo:", "Fecha:"}};

/* The other documents: look-alikes of the classes above. */
struct other_text {
        const char *po, *po_no, *delivery, *dn_no, *quote, *quote_no,
            *valid_fmt, *total, *date, *subject, *regards, *qty, *desc,
            *price, *amount, *minutes, *present, *agenda;
        const char *letter_subjects[3];
};

static const struct other_text other_text[LANG_COUNT] = {
    {"PURCHASE ORDER", "PO Number", "DELIVERY NOTE", "Delivery note no.",
     "QUOTATION", "Quotation no.", "This offer is valid until %s.",
     "Total", "Date", "Subject:", "Kind regards,", "Qty", "Description",
     "Unit price", "Amount", "Minutes of the meeting", "Present:",
     "Agenda",
     {"Change of our bank details", "Your enquiry of last week",
      "Annual price adjustment"}},
    {"BESTELLUNG", "Bestellnummer", "LIEFERSCHEIN", "Lieferschein-Nr.",
     "ANGEBOT", "Angebotsnummer", "Dieses Angebot gilt bis zum %s.",
     "Gesamtsumme", "Datum", "Betreff:", "Mit freundlichen Grüßen", "Menge",
     "Bezeichnung", "Einzelpreis", "Betrag", "Protokoll der Sitzung",
     "Anwesend:", "Tagesordnung",
     {"Änderung unserer Bankverbindung", "Ihre Anfrage vom letzten Monat",
      "Jährliche Preisanpassung"}},
    {"BON DE COMMANDE", "N° de commande", "BON DE LIVRAISON",
     "Bon de livraison n°", "DEVIS", "Devis n°",
     "Cette offre est valable jusqu'au %s.", "Total", "Date", "Objet :",
     "Cordialement,", "Qté", "Désignation", "Prix unitaire", "Montant",
     "Compte rendu de réunion", "Présents :", "Ordre du jour",
     {"Changement de nos coordonnées bancaires", "Votre demande récente",
      "Révision annuelle des tarifs"}},
    {"INKOOPORDER", "Ordernummer", "PAKBON", "Pakbonnummer", "OFFERTE",
     "Offertenummer", "Deze offerte is geldig tot %s.", "Totaal", "Datum",
     "Betreft:", "Met vriendelijke groet,", "Aantal", "Omschrijving",
     "Prijs", "Bedrag", "Notulen van de vergadering", "Aanwezig:",
     "Agenda",
     {"Wijziging van onze bankgegevens", "Uw aanvraag van vorige week",
      "Jaarlijkse prijsaanpassing"}},
    {"PEDIDO", "N.º de pedido", "ALBARÁN", "Albarán n.º", "PRESUPUESTO",
     "Presupuesto n.º", "Esta oferta es válida hasta el %s.", "Total",
     "Fecha", "Asunto:", "Atentamente,", "Cant.", "Descripción",
     "Precio", "Importe", "Acta de la reunión", "Asistentes:",
     "Orden del día",
     {"Cambio de nuestros datos bancarios", "Su consulta reciente",
      "Actualización anual de precios"}}};

/* Words of one class in documents of another, as real ones have them:
 * an invoice for services under an agreement, a receipt that offers an
 * invoice, a statement's debits that name invoices, a letter about one. */
static const char *const x_inv_contract[LANG_COUNT] = {
    "Services provided under our agreement of %s.",
    "Leistungen gemäß Vertrag vom %s.",
    "Prestations réalisées selon le contrat du %s.",
    "Diensten geleverd volgens de overeenkomst van %s.",
    "Servicios prestados según el contrato de %s."};
static const char *const x_rcpt_invoice[LANG_COUNT] = {
    "Invoice available on request", "Rechnung auf Anfrage",
    "Facture sur demande", "Factuur op aanvraag", "Factura a petición"};
static const char *const x_bank_invoice[LANG_COUNT] = {
    "Invoice", "Rechnung", "Facture", "Factuur", "Factura"};
static const char *const x_letter_invoice[LANG_COUNT] = {
    "Regarding your invoice of last month, we confirm that the amount has "
    "been paid.",
    "Bezüglich Ihrer Rechnung vom letzten Monat bestätigen wir, dass der "
    "Betrag überwiesen wurde.",
    "Concernant votre facture du mois dernier, nous confirmons que le "
    "montant a été réglé.",
    "Met betrekking tot uw factuur van vorige maand bevestigen wij dat het "
    "bedrag is betaald.",
    "En relación con su factura del mes pasado, confirmamos que el importe "
    "ha sido abonado."};

/* A paragraph of a letter: what businesses write to each other. */
static const char *const letter_body[LANG_COUNT][4] = {
    {"We would like to inform you that our company will move to new "
     "premises at the beginning of next quarter.",
     "Our service team remains available to answer any questions you may "
     "have about this change.",
     "Please update your records accordingly and forward this letter to "
     "the relevant department.",
     "We thank you for your continued cooperation and look forward to "
     "working with you."},
    {"Wir möchten Sie darüber informieren, dass unser Unternehmen zu "
     "Beginn des nächsten Quartals in neue Räumlichkeiten umzieht.",
     "Unser Serviceteam steht Ihnen für Fragen zu dieser Änderung gerne "
     "zur Verfügung.",
     "Bitte aktualisieren Sie Ihre Unterlagen und leiten Sie dieses "
     "Schreiben an die zuständige Abteilung weiter.",
     "Wir danken Ihnen für die gute Zusammenarbeit und freuen uns auf die "
     "weitere Zusammenarbeit."},
    {"Nous vous informons que notre société déménagera dans de nouveaux "
     "locaux au début du prochain trimestre.",
     "Notre équipe reste à votre disposition pour répondre à toutes vos "
     "questions concernant ce changement.",
     "Nous vous remercions de bien vouloir mettre à jour vos fichiers et de "
     "transmettre ce courrier au service concerné.",
     "Nous vous remercions de votre confiance et restons à votre "
     "disposition."},
    {"Graag informeren wij u dat ons bedrijf aan het begin van het "
     "volgende kwartaal naar een nieuw pand verhuist.",
     "Ons serviceteam blijft beschikbaar voor al uw vragen over deze "
     "wijziging.",
     "Wij verzoeken u uw administratie aan te passen en deze brief door te "
     "sturen naar de juiste afdeling.",
     "Wij danken u voor de prettige samenwerking en zien uit naar de "
     "verdere samenwerking."},
    {"Les informamos de que nuestra empresa se trasladará a nuevas "
     "oficinas a comienzos del próximo trimestre.",
     "Nuestro equipo de atención sigue a su disposición para resolver "
     "cualquier duda sobre este cambio.",
     "Les rogamos que actualicen sus datos y remitan esta carta al "
     "departamento correspondiente.",
     "Les agradecemos su colaboración y quedamos a su disposición."}};
/* ---- invoice ---- */

struct item {
        const char *desc;
        int qty;
        long long unit, amount; /* cents */
};

/* An invoice number the way one of many accounting systems writes it. */
static void make_invoice_number(struct rng *r, const struct locale *lc,
                                int year, char *buf, size_t n)
{
        static const char *const pre[LANG_COUNT][3] = {
            {"INV", "IN", "SI"}, {"RE", "R", "RG"}, {"F", "FA", "FAC"},
            {"F", "FN", "VF"},   {"FV", "F", "FAC"}};
        const char *p = pre[lc->lang][rng_int(r, 0, 2)];
        int seq = rng_int(r, 1, 29999);

        switch (rng_int(r, 0, 6)) {
        case 0:
                bprintf(buf, n, "%s-%d-%04d", p, year, seq % 10000);
                break;
        case 1:
                bprintf(buf, n, "%d%06d", year, seq);
                break;
        case 2:
                bprintf(buf, n, "%d/%04d", year, seq % 10000);
                break;
        case 3:
                bprintf(buf, n, "%s%08d", p, rng_int(r, 10000000, 99999999));
                break;
        case 4:
                bprintf(buf, n, "%d", rng_int(r, 10000, 9999999));
                break;
        case 5:
                bprintf(buf, n, "%s-%02d-%05d", p, year % 100, seq);
                break;
        default:
                bprintf(buf, n, "%s%d-%03d", p, year, seq % 1000);
                break;
        }
}

/* The vendor's line in small print: "Name - Street - City". */
static void sender_line(struct rng *r, const struct party *v, char *buf,
                        size_t n)
{
        static const char *const sep[] = {" - ", " · ", " | ", ", "};
        const char *s = PICK(r, sep);

        bprintf(buf, n, "%s%s%s%s%s", v->name, s, v->street, s, v->city);
}

/* The legal footer: name, address, register, VAT id, bank. */
static void invoice_footer(struct job *j, const struct inv_text *tx,
                           const struct party *v, const char *bank_line,
                           double x0, double R, enum font base)
{
        struct doc *d = &j->doc;
        char line[400];

        d->y = d->h - d->bottom - 34;
        doc_rule(d, x0, R, d->y, 0.4);
        doc_font(d, base, 7);
        bprintf(line, sizeof(line), "%s - %s, %s - %s - www.%s", v->name,
                v->street, v->city, v->reg, v->domain);
        doc_put_fit(d, x0, d->y + 12, AL_LEFT, line, R - x0);
        bprintf(line, sizeof(line), "%s: %s - %s: %s", tx->bank, bank_line,
                tx->vat_id, v->vat);
        doc_put_fit(d, x0, d->y + 22, AL_LEFT, line, R - x0);
}

static int gen_invoice(struct job *j)
{
        static const int terms_days[] = {14, 30, 30, 45, 60};
        static const struct col inv_cols[5] = {{NULL, 0.07, 0},
                                               {NULL, 0.49, 0},
                                               {NULL, 0.10, 1},
                                               {NULL, 0.16, 1},
                                               {NULL, 0.18, 1}};
        struct rng *r = &j->rng;
        const struct locale *lc = job_locale(j, 1);
        const struct inv_text *tx = &inv_text[lc->lang];
        struct doc *d = &j->doc;
        struct party v, c;
        struct money m;
        struct item items[DOCGEN_MAX_ITEMS];
        struct col cols[5];
        struct table t;
        enum datefmt df = job_datefmt(j, lc);
        char number[40], issue_s[48], due_s[48], custno[24], orderno[24];
        char order_s[48], deliv_s[48], terms_s[64], rate[16], tax_label[64];
        char bank_line[160], iban[40], bic[16], sub_s[64], tax_s[64];
        char total_s[64], cells[3][48], pos[8], line[400], tmp[64], tmp2[64];
        const char *meta_k[8], *meta_v[8];
        int layout = j->variant >= 0 ? j->variant % 5 : rng_int(r, 0, 4);
        int year = j->year ? j->year : rng_int(r, 2021, 2025);
        int terms = PICK(r, terms_days), nitems, i, nmeta = 0, due_shown = 0;
        int ncomma = lc->num == NUM_COMMA || lc->num == NUM_SPACE;
        long long subtotal = 0, tax, total;
        double L, R, x0;
        enum font base = layout == 2 ? F_MONO : F_SANS;
        struct date issue = date_random(r, year), due = date_add(issue, terms);
        struct date ordered = date_add(issue, -rng_int(r, 1, 25));
        struct date delivered = date_add(issue, -rng_int(r, 0, 6));
        const char *title = tx->title[rng_int(r, 0, 2)];
        const char *total_lab = tx->total[rng_int(r, 0, 4)];

        j->upper = rng_chance(r, 20);
        j->colon = rng_chance(r, 55);
        job_money(j, lc, &m);
        make_party(r, lc, &v, 1);
        make_party(r, lc, &c, rng_chance(r, 80));
        nitems = j->pages > 1 ? rng_int(r, 40, 50) : rng_int(r, 1, 9);
        for (i = 0; i < nitems; i++) {
                const struct product *p = &PICK(r, products);
                items[i].desc = p->name[lc->lang];
                items[i].qty = rng_int(r, 1, p->maxqty);
                items[i].unit = rng_ll(r, p->lo, p->hi) * 100 +
                                (rng_chance(r, 50) ? 0 : rng_int(r, 0, 99));
                items[i].amount = items[i].unit * items[i].qty;
                subtotal += items[i].amount;
        }
        tax = (subtotal * lc->tax_bp + 5000) / 10000;
        total = subtotal + tax;
        make_invoice_number(r, lc, year, number, sizeof(number));
        fmt_date_l(issue_s, sizeof(issue_s), issue, df, lc->lang);
        fmt_date_l(due_s, sizeof(due_s), due, df, lc->lang);
        fmt_date_l(order_s, sizeof(order_s), ordered, df, lc->lang);
        fmt_date_l(deliv_s, sizeof(deliv_s), delivered, df, lc->lang);
        bprintf(custno, sizeof(custno), "%s%05d", rng_chance(r, 50) ? "C-" : "",
                rng_int(r, 10000, 99999));
        bprintf(orderno, sizeof(orderno), "%s%d", rng_chance(r, 50) ? "PO-" : "",
                rng_int(r, 100000, 999999));
        bprintf(tmp, sizeof(tmp), "%d", terms);
        tfill(terms_s, sizeof(terms_s), tx->terms_fmt, tmp, NULL);
        fmt_rate(rate, sizeof(rate), lc->tax_bp, ncomma);
        tfill(tax_label, sizeof(tax_label), tx->tax_fmt[rng_int(r, 0, 1)],
              rate, NULL);
        if (lc->id == LOC_US) {
                bprintf(bank_line, sizeof(bank_line),
                        "First Meridian Bank - ABA routing %09d - "
                        "Account %010lld",
                        rng_int(r, 21000000, 122000000),
                        rng_ll(r, 1000000000LL, 9999999999LL));
        } else {
                char spaced[48];
                make_iban(r, lc->id, iban, sizeof(iban), bic, sizeof(bic));
                fmt_iban(spaced, sizeof(spaced), iban);
                bprintf(bank_line, sizeof(bank_line), "IBAN %s - BIC %s",
                        spaced, bic);
        }
        fmt_money_f(sub_s, sizeof(sub_s), subtotal, m.num);
        fmt_money_f(tax_s, sizeof(tax_s), tax, m.num);
        money_fmt(total_s, sizeof(total_s), total, &m);

        /* The label block: number and date always, the rest now and then,
         * in the order of this accounting system. */
        meta_k[nmeta] = job_label(j, tx->number[rng_int(r, 0, 3)]);
        meta_v[nmeta++] = number;
        meta_k[nmeta] = job_label(j, tx->date[rng_int(r, 0, 3)]);
        meta_v[nmeta++] = issue_s;
        if (rng_chance(r, 45)) {
                meta_k[nmeta] = job_label(j, tx->custno[rng_int(r, 0, 1)]);
                meta_v[nmeta++] = custno;
        }
        if (rng_chance(r, 30)) {
                meta_k[nmeta] = job_label(j, tx->orderno[rng_int(r, 0, 1)]);
                meta_v[nmeta++] = orderno;
        }
        if (rng_chance(r, 25)) {
                meta_k[nmeta] = job_label(j, tx->orderdate[rng_int(r, 0, 1)]);
                meta_v[nmeta++] = order_s;
        }
        if (rng_chance(r, 25)) {
                meta_k[nmeta] = job_label(j, tx->delivery[rng_int(r, 0, 1)]);
                meta_v[nmeta++] = deliv_s;
        }
        if (rng_chance(r, 55)) {
                meta_k[nmeta] = job_label(j, tx->due[rng_int(r, 0, 2)]);
                meta_v[nmeta++] = due_s;
                due_shown = 1;
        }
        if (layout != 3 && rng_chance(r, 40)) {
                meta_k[nmeta] = job_label(j, tx->terms);
                meta_v[nmeta++] = terms_s;
                due_shown = 1; /* the terms give it */
        }
        /* Shuffle all but the first (the number or, half the time, the
         * date goes first). */
        if (rng_chance(r, 50)) {
                const char *k = meta_k[0], *x = meta_v[0];
                meta_k[0] = meta_k[1], meta_v[0] = meta_v[1];
                meta_k[1] = k, meta_v[1] = x;
        }
        for (i = nmeta - 1; i > 1; i--) {
                int k = rng_int(r, 1, i);
                const char *a = meta_k[i], *b = meta_v[i];
                meta_k[i] = meta_k[k], meta_v[i] = meta_v[k];
                meta_k[k] = a, meta_v[k] = b;
        }

        if (job_open(j, lc->page_w, lc->page_h, issue, number) < 0)
                return -1;
        L = d->left;
        R = d->w - d->right;
        {
                const char *vaddr[4] = {v.street, v.city, v.phone, v.vat};
                const char *caddr[3] = {c.name, c.street, c.city};
                const char *bill = job_label(j, tx->bill_to[rng_int(r, 0, 2)]);
                double ytop;

                if (rng_chance(r, 15)) {
                        doc_font(d, F_SANS_B, 9);
                        doc_gray(d, 0.5);
                        doc_put(d, R, d->top - 22, AL_RIGHT, tx->copy);
                        doc_gray(d, 0);
                }
                if (layout == 0) { /* classic: letterhead, two blocks */
                        doc_font(d, F_SERIF_B, 18);
                        doc_accent(d);
                        doc_put(d, L, d->y + 18, AL_LEFT, v.name);
                        doc_font(d, F_SANS_B, 22);
                        doc_put(d, R, d->y + 18, AL_RIGHT, title);
                        doc_gray(d, 0);
                        d->y += 30;
                        doc_font(d, F_SANS, 9);
                        doc_lines(d, L, vaddr, 4, 12);
                        d->y = 170;
                        doc_font(d, F_SANS_B, 9);
                        doc_put(d, L, d->y + 9, AL_LEFT, bill);
                        d->y += 14;
                        doc_font(d, F_SANS, 10);
                        doc_lines(d, L, caddr, 3, 13);
                        d->y = 170;
                        doc_kv(d, R - 235, meta_k, meta_v, nmeta, F_SANS, 9);
                        d->y = d->y > 260 ? d->y + 14 : 275;
                        x0 = L;
                } else if (layout == 1) { /* modern: grey band on the left */
                        doc_gray(d, 0.93);
                        doc_fill(d, 0, 0, 180, d->h);
                        doc_accent(d);
                        doc_font(d, F_SANS_B, 13);
                        d->y = 56;
                        doc_wrap(d, v.name, 24, 136, 16, 1);
                        doc_gray(d, 0);
                        doc_font(d, F_SANS, 8.5);
                        d->y += 6;
                        doc_lines(d, 24, vaddr, 4, 11);
                        d->y += 24;
                        doc_font(d, F_SANS_B, 8);
                        doc_put(d, 24, d->y + 8, AL_LEFT, bill);
                        d->y += 13;
                        doc_font(d, F_SANS, 9);
                        doc_wrap(d, c.name, 24, 136, 12, 1);
                        doc_lines(d, 24, caddr + 1, 2, 12);
                        d->y = d->h - 150;
                        doc_font(d, F_SANS_B, 8);
                        doc_put(d, 24, d->y, AL_LEFT, tx->bank);
                        d->y += 4;
                        doc_font(d, F_SANS, 7);
                        doc_wrap(d, bank_line, 24, 136, 10, 1);
                        x0 = 210;
                        d->y = 56;
                        doc_font(d, F_SANS, 28);
                        doc_accent(d);
                        doc_put(d, x0, d->y + 26, AL_LEFT, title);
                        doc_gray(d, 0);
                        d->y += 44;
                        doc_kv(d, x0, meta_k, meta_v, nmeta, F_SANS, 9);
                        d->y += 30;
                } else if (layout == 2) { /* compact: monospaced */
                        doc_font(d, F_MONO_B, 12);
                        doc_put(d, L, d->y + 12, AL_LEFT, v.name);
                        doc_put(d, R, d->y + 12, AL_RIGHT, title);
                        d->y += 18;
                        doc_font(d, F_MONO, 8);
                        doc_putf(d, L, d->y + 8, AL_LEFT, "%s, %s | %s | %s",
                                 v.street, v.city, v.phone, v.vat);
                        d->y += 14;
                        doc_rule(d, L, R, d->y, 0.8);
                        d->y += 6;
                        ytop = d->y;
                        doc_kv(d, L, meta_k, meta_v, nmeta, F_MONO, 8.5);
                        d->y = ytop;
                        doc_font(d, F_MONO_B, 8.5);
                        doc_put(d, L + 290, d->y + 8.5, AL_LEFT, bill);
                        d->y += 13;
                        doc_font(d, F_MONO, 8.5);
                        doc_lines(d, L + 290, caddr, 3, 12);
                        d->y = ytop + 14 * (nmeta > 5 ? nmeta : 5) + 20;
                        x0 = L;
                } else if (layout == 3) { /* a row of labels over values */
                        double cw;
                        doc_font(d, F_SANS_B, 16);
                        doc_accent(d);
                        doc_put(d, L, d->y + 16, AL_LEFT, v.name);
                        doc_gray(d, 0);
                        doc_font(d, F_SANS, 8);
                        doc_putf(d, L, d->y + 30, AL_LEFT, "%s, %s - %s",
                                 v.street, v.city, v.phone);
                        d->y = 130;
                        doc_font(d, F_SANS_B, 8);
                        doc_put(d, L, d->y + 8, AL_LEFT, bill);
                        d->y += 12;
                        doc_font(d, F_SANS, 10);
                        doc_lines(d, L, caddr, 3, 13);
                        d->y += 24;
                        doc_font(d, F_SANS_B, 15);
                        doc_put(d, L, d->y + 15, AL_LEFT, title);
                        d->y += 28;
                        cw = (R - L) / nmeta;
                        doc_gray(d, 0.9);
                        doc_fill(d, L, d->y, R - L, 14);
                        doc_gray(d, 0);
                        for (i = 0; i < nmeta; i++) {
                                doc_font(d, F_SANS_B, 7.5);
                                doc_put_fit(d, L + i * cw + 3, d->y + 10,
                                            AL_LEFT, meta_k[i], cw - 8);
                                doc_font(d, F_SANS, 9);
                                doc_put_fit(d, L + i * cw + 3, d->y + 27,
                                            AL_LEFT, meta_v[i], cw - 8);
                        }
                        d->y += 48;
                        x0 = L;
                } else { /* a letter: sender line, window, one sentence */
                        sender_line(r, &v, line, sizeof(line));
                        doc_font(d, F_SANS_B, 14);
                        doc_accent(d);
                        doc_put(d, R, d->y + 14, AL_RIGHT, v.name);
                        doc_gray(d, 0);
                        d->y = 120;
                        doc_font(d, F_SANS, 6.5);
                        doc_put_fit(d, L, d->y, AL_LEFT, line, 250);
                        d->y += 8;
                        doc_font(d, F_SANS, 10);
                        doc_lines(d, L, caddr, 3, 13);
                        d->y = 215;
                        doc_font(d, F_SANS, 9);
                        {
                                char where[96];
                                const char *city = v.city, *sp;

                                /* "3511 LX Utrecht" is Utrecht: the
                                 * words after the postcode. */
                                while (lc->id != LOC_US && lc->id != LOC_GB &&
                                       (sp = strchr(city, ' ')) &&
                                       (g_ascii_isdigit(city[0]) ||
                                        (sp - city == 2 &&
                                         g_ascii_isupper(city[0]) &&
                                         g_ascii_isupper(city[1]))))
                                        city = sp + 1;
                                bprintf(where, sizeof(where), "%s, %s",
                                        city, issue_s);
                                doc_put(d, R, d->y + 9, AL_RIGHT, where);
                        }
                        d->y += 26;
                        tfill(line, sizeof(line), tx->inline_fmt, number,
                              issue_s, NULL);
                        doc_font(d, F_SANS_B, 12);
                        doc_put(d, L, d->y + 12, AL_LEFT, line);
                        d->y += 18;
                        if (nmeta > 2) {
                                doc_kv(d, L, meta_k + 2, meta_v + 2, nmeta - 2,
                                       F_SANS, 8.5);
                                d->y += 4;
                        }
                        doc_font(d, F_SERIF, 10);
                        doc_put(d, L, d->y + 10, AL_LEFT, tx->dear);
                        d->y += 16;
                        doc_put(d, L, d->y + 10, AL_LEFT, tx->intro);
                        d->y += 22;
                        x0 = L;
                }
        }
        for (i = 0; i < 5; i++) {
                cols[i] = inv_cols[i];
                cols[i].title = tx->cols[i];
        }
        t.cols = cols;
        t.ncols = 5;
        t.x = x0;
        t.width = R - x0;
        t.font = base;
        t.size = layout == 2 ? 8 : 9;
        t.row_h = layout == 2 ? 12 : 15;
        t.shade = layout != 2;
        table_header(d, &t);
        for (i = 0; i < nitems; i++) {
                const char *row[5] = {pos, items[i].desc, cells[0], cells[1],
                                      cells[2]};
                bprintf(pos, sizeof(pos), "%d", i + 1);
                bprintf(cells[0], sizeof(cells[0]), "%d", items[i].qty);
                fmt_money_f(cells[1], sizeof(cells[1]), items[i].unit, m.num);
                fmt_money_f(cells[2], sizeof(cells[2]), items[i].amount,
                            m.num);
                table_row(d, &t, row, 0);
        }
        doc_rule(d, x0, R, d->y, 0.6);
        d->y += 6;
        doc_need(d, 64 + 110);
        {
                const char *lab[3] = {
                    job_label(j, tx->subtotal[rng_int(r, 0, 2)]),
                    job_label(j, tax_label), job_label(j, total_lab)};
                const char *val[3] = {sub_s, tax_s, total_s};
                for (i = 0; i < 3; i++) {
                        double sz = i == 2 ? 11 : 9;
                        doc_font(d, i == 2 ? base | 1 : base, sz);
                        doc_put(d, R - 230, d->y + sz, AL_LEFT, lab[i]);
                        doc_put(d, R - 4, d->y + sz, AL_RIGHT, val[i]);
                        d->y += sz * 1.6;
                }
        }
        d->y += 14;
        doc_font(d, base, 8.5);
        if (rng_chance(r, 70)) {
                tfill(tmp, sizeof(tmp), tx->cur_note_fmt, m.code, NULL);
                tfill(line, sizeof(line), tx->pay_fmt, due_s, number, NULL);
                g_string_printf(j->buf, "%s %s", tmp, line);
                doc_wrap(d, j->buf->str, x0, R - x0, 12, 1);
                due_shown = 1;
        }
        if (rng_chance(r, 35)) {
                money_fmt(tmp2, sizeof(tmp2), rng_int(r, 5, 40) * 100, &m);
                tfill(line, sizeof(line), tx->late_fmt, tmp2, NULL);
                doc_wrap(d, line, x0, R - x0, 12, 1);
        }
        if (rng_chance(r, 25)) {
                char since[48];

                fmt_date_l(since, sizeof(since), date_add(issue, -200), df,
                           lc->lang);
                tfill(line, sizeof(line), x_inv_contract[lc->lang], since,
                      NULL);
                doc_wrap(d, line, x0, R - x0, 12, 1);
        }
        doc_put(d, x0, d->y + 8.5, AL_LEFT, tx->thanks);
        doc_need(d, 40);
        if (layout != 1 || rng_chance(r, 50))
                invoice_footer(j, tx, &v, bank_line, x0, R, base);
        if (rng_chance(r, 60)) {
                char pg[16];
                doc_font(d, base, 7);
                bprintf(pg, sizeof(pg), "%d", d->page);
                tfill(line, sizeof(line), tx->page_fmt, pg, pg, NULL);
                doc_put(d, R, d->h - 20, AL_RIGHT, line);
        }
        if (job_close(j) < 0)
                return -1;

        truth_str(&j->truth, "invoice_number", number);
        truth_date(&j->truth, "issue_date", issue);
        if (due_shown)
                truth_date(&j->truth, "due_date", due);
        truth_amount(&j->truth, "total", total);
        truth_amount(&j->truth, "subtotal", subtotal);
        truth_amount(&j->truth, "tax", tax);
        truth_str(&j->truth, "currency", m.code);
        truth_str(&j->truth, "vendor", v.name);
        truth_str(&j->truth, "customer", c.name);
        return 0;
}
/* ---- receipt ---- */

/* One receipt line: text on the left, an amount on the right. */
static void receipt_line(struct doc *d, const char *left, const char *right,
                         int bold)
{
        double size = bold ? 10.5 : 8;

        doc_need(d, size * 1.4);
        doc_font(d, bold ? F_MONO_B : F_MONO, size);
        doc_put_fit(d, d->left, d->y + size, AL_LEFT, left,
                    d->w - d->left - d->right - 60);
        if (right)
                doc_put(d, d->w - d->right, d->y + size, AL_RIGHT, right);
        d->y += size * 1.4;
}

static int gen_receipt(struct job *j)
{
        static const char *const cards[] = {"VISA", "MASTERCARD", "AMEX",
                                            "MAESTRO", "DEBIT"};
        struct rng *r = &j->rng;
        const struct locale *lc = job_locale(j, 1);
        const struct rcpt_text *tx = &rcpt_text[lc->lang];
        struct doc *d = &j->doc;
        struct party store;
        struct money m;
        const char *merchant = PICK(r, merchants), *card = PICK(r, cards);
        int n = j->pages > 1 ? rng_int(r, 50, 60) : rng_int(r, 2, 14);
        int year = j->year ? j->year : rng_int(r, 2021, 2025);
        int qty[DOCGEN_MAX_ITEMS], idx[DOCGEN_MAX_ITEMS], i, lines = n;
        int hh = rng_int(r, 8, 20), mm = rng_int(r, 0, 59);
        int ncomma = lc->num == NUM_COMMA || lc->num == NUM_SPACE;
        long long price[DOCGEN_MAX_ITEMS], sum = 0, tax, total;
        struct date dt = date_random(r, year);
        enum datefmt df = lc->short_date;
        char date_s[48], a[64], b[96], rate[16], x[32], y[32], z[32];
        double w = 226.77; /* 80 mm till roll */

        job_money(j, lc, &m);
        if (rng_chance(r, 20))
                df = DF_ISO;
        make_party(r, lc, &store, 1);
        make_domain(merchant, lc->tld, store.domain, sizeof(store.domain));
        for (i = 0; i < n; i++) {
                idx[i] = rng_int(r, 0, (int)G_N_ELEMENTS(receipt_items) - 1);
                qty[i] = rng_chance(r, 25) ? rng_int(r, 2, 4) : 1;
                price[i] = rng_ll(r, receipt_items[idx[i]].lo,
                                  receipt_items[idx[i]].hi);
                sum += price[i] * qty[i];
                lines += qty[i] > 1;
        }
        if (lc->id == LOC_US) { /* sales tax on top */
                tax = (sum * lc->tax_bp + 5000) / 10000;
                total = sum + tax;
        } else { /* VAT included */
                total = sum;
                tax = total - (total * 10000 + (10000 + lc->tax_bp) / 2) /
                                  (10000 + lc->tax_bp);
        }
        fmt_date_l(date_s, sizeof(date_s), dt, df, lc->lang);
        if (job_open(j, w, j->pages > 1 ? 620 : 350 + lines * 11.2, dt,
                     merchant) < 0)
                return -1;

        doc_font(d, F_MONO_B, 11);
        doc_put(d, w / 2, d->y + 11, AL_CENTER, merchant);
        d->y += 16;
        doc_font(d, F_MONO, 7.5);
        {
                const char *head[3] = {store.street, store.city, store.phone};
                for (i = 0; i < 3; i++) {
                        doc_put(d, w / 2, d->y + 7.5, AL_CENTER, head[i]);
                        d->y += 10;
                }
        }
        if (lc->id != LOC_US) {
                doc_putf(d, w / 2, d->y + 7.5, AL_CENTER, "%s %s", tx->vatno,
                         store.vat);
                d->y += 10;
        }
        if (rng_chance(r, 50)) {
                doc_font(d, F_MONO_B, 8);
                doc_put(d, w / 2, d->y + 8, AL_CENTER, tx->title);
                d->y += 12;
                doc_font(d, F_MONO, 7.5);
        }
        d->y += 6;
        bprintf(x, sizeof(x), "%04d", rng_int(r, 1, 9999));
        bprintf(y, sizeof(y), "%02d", rng_int(r, 1, 12));
        bprintf(z, sizeof(z), "%05d", rng_int(r, 1, 99999));
        tfill(b, sizeof(b), tx->store_fmt, x, y, z, NULL);
        doc_put(d, d->left, d->y + 7.5, AL_LEFT, b);
        d->y += 10;
        doc_putf(d, d->left, d->y + 7.5, AL_LEFT, "%s %02d:%02d", date_s, hh,
                 mm);
        doc_putf(d, w - d->right, d->y + 7.5, AL_RIGHT, "%s: %s", tx->cashier,
                 PICK(r, first_names));
        d->y += 14;
        doc_rule(d, d->left, w - d->right, d->y, 0.5);
        d->y += 4;
        for (i = 0; i < n; i++) {
                fmt_money_f(a, sizeof(a), price[i] * qty[i], m.num);
                receipt_line(d, receipt_items[idx[i]].name[lc->lang], a, 0);
                if (qty[i] > 1) {
                        char p1[48];
                        fmt_money_f(p1, sizeof(p1), price[i], m.num);
                        bprintf(a, sizeof(a), "  %d x %s", qty[i], p1);
                        receipt_line(d, a, NULL, 0);
                }
        }
        doc_need(d, 150);
        doc_rule(d, d->left, w - d->right, d->y + 2, 0.5);
        d->y += 6;
        fmt_rate(rate, sizeof(rate), lc->tax_bp, ncomma);
        if (lc->id == LOC_US) {
                fmt_money_f(a, sizeof(a), sum, m.num);
                receipt_line(d, tx->subtotal, a, 0);
                fmt_money_f(a, sizeof(a), tax, m.num);
                tfill(b, sizeof(b), tx->tax_fmt, rate, NULL);
                receipt_line(d, b, a, 0);
        }
        if (rng_chance(r, 60)) {
                fmt_money_f(a, sizeof(a), total, m.num);
                bprintf(b, sizeof(b), "%s %s", tx->total, m.code);
        } else {
                money_fmt(a, sizeof(a), total, &m);
                bprintf(b, sizeof(b), "%s", tx->total);
        }
        receipt_line(d, b, a, 1);
        if (lc->id != LOC_US) {
                fmt_money_f(a, sizeof(a), tax, m.num);
                tfill(b, sizeof(b), tx->incl_fmt, rate, NULL);
                receipt_line(d, b, a, 0);
        }
        d->y += 6;
        fmt_money_f(a, sizeof(a), total, m.num);
        bprintf(b, sizeof(b), "%s **** %04d", card, rng_int(r, 0, 9999));
        receipt_line(d, b, a, 0);
        bprintf(x, sizeof(x), "%06X", (unsigned)rng_int(r, 0, 0xFFFFFF));
        tfill(b, sizeof(b), tx->card, x, NULL);
        receipt_line(d, b, NULL, 0);
        receipt_line(d, tx->approved, NULL, 0);
        bprintf(x, sizeof(x), "%d", n);
        tfill(b, sizeof(b), tx->items_fmt, x, NULL);
        receipt_line(d, b, NULL, 0);
        d->y += 8;
        doc_font(d, F_MONO, 7.5);
        doc_put(d, w / 2, d->y + 7.5, AL_CENTER, tx->thanks);
        if (rng_chance(r, 30)) {
                d->y += 10;
                doc_put(d, w / 2, d->y + 7.5, AL_CENTER,
                        x_rcpt_invoice[lc->lang]);
        }
        doc_put(d, w / 2, d->y + 18, AL_CENTER, store.domain);
        if (job_close(j) < 0)
                return -1;
        truth_str(&j->truth, "merchant", merchant);
        truth_date(&j->truth, "date", dt);
        truth_amount(&j->truth, "total", total);
        truth_str(&j->truth, "currency", m.code);
        return 0;
}
/* ---- bank statement ---- */

static const struct txkind {
        int arg;    /* 0 none, 1 company, 2 person, 3 merchant */
        int credit; /* money in */
        int lo, hi; /* whole units */
} txkinds[13] = {{1, 1, 100, 2500}, {1, 1, 1500, 4200}, {2, 1, 20, 600},
                 {3, 0, 3, 240},    {3, 0, 3, 240},     {3, 0, 3, 240},
                 {1, 0, 15, 900},   {1, 0, 15, 900},    {0, 0, 650, 2200},
                 {0, 0, 20, 400},   {2, 0, 20, 1200},   {0, 1, 1, 40},
                 {0, 0, 3, 15}};

static const char *const bank_names[] = {
    "Harbour Savings Bank", "Northbridge Bank",  "First Meridian Bank",
    "Kestrel Direct Bank",  "Rhine Valley Bank", "Lowlands Commercial Bank",
    "Banque Lyonnaise",     "Banco del Norte",   "Stadtsparkasse Linden"};

static int cmp_int(const void *a, const void *b)
{
        int x = *(const int *)a, y = *(const int *)b;

        return (x > y) - (x < y);
}

static int gen_bank_statement(struct job *j)
{
        struct rng *r = &j->rng;
        const struct locale *lc = job_locale(j, 0);
        const struct bank_text *tx = &bank_text[lc->lang];
        struct col cols[5] = {{NULL, 0.13, 0},
                              {NULL, 0.45, 0},
                              {NULL, 0.14, 1},
                              {NULL, 0.14, 1},
                              {NULL, 0.14, 1}};
        struct doc *d = &j->doc;
        struct party bank, holder;
        const char *bank_name = PICK(r, bank_names);
        int year = j->year ? j->year : rng_int(r, 2021, 2025);
        int month = rng_int(r, 1, 12), days[DOCGEN_MAX_TX], kind[DOCGEN_MAX_TX];
        int ntx, i;
        long long amount[DOCGEN_MAX_TX], opening, closing, in = 0, out = 0, bal;
        char who[DOCGEN_MAX_TX][64];
        char iban[40], bic[16], spaced[48], from_s[48], to_s[48], a[64],
            c[64], period[120], desc[160], date_s[48], stmt_s[48];
        struct date start = {year, month, 1}, end = date_month_end(year, month);
        enum datefmt df = rng_chance(r, 15) ? DF_ISO : lc->short_date;
        enum numfmt nf = lc->num;
        struct table t = {cols, 5, 0, 0, 8, 13, F_SANS, 1};

        for (i = 0; i < 5; i++)
                cols[i].title = tx->cols[i];
        if (j->pages <= 1)
                ntx = rng_int(r, 6, 20);
        else
                ntx = 30 + 50 * (j->pages - 2) + rng_int(r, 6, 40);
        if (ntx > DOCGEN_MAX_TX)
                ntx = DOCGEN_MAX_TX;
        make_party(r, lc, &bank, 1);
        make_party(r, lc, &holder, rng_chance(r, 60));
        make_iban(r, lc->id, iban, sizeof(iban), bic, sizeof(bic));
        fmt_iban(spaced, sizeof(spaced), iban);
        opening = rng_ll(r, 300, 25000) * 100 + rng_int(r, 0, 99);
        closing = opening;
        for (i = 0; i < ntx; i++) {
                const struct txkind *k;
                days[i] = rng_int(r, 1, end.d);
                kind[i] = rng_int(r, 0, (int)G_N_ELEMENTS(txkinds) - 1);
                k = &txkinds[kind[i]];
                amount[i] = rng_ll(r, (long long)k->lo * 100,
                                   (long long)k->hi * 100 + 99);
                if (!k->credit)
                        amount[i] = -amount[i];
                if (k->arg == 1)
                        make_company(r, lc, who[i], sizeof(who[i]));
                else if (k->arg == 2)
                        make_person(r, who[i], sizeof(who[i]));
                else if (k->arg == 3)
                        bprintf(who[i], sizeof(who[i]), "%s",
                                PICK(r, merchants));
                else
                        who[i][0] = '\0';
                closing += amount[i];
                if (amount[i] > 0)
                        in += amount[i];
                else
                        out -= amount[i];
        }
        qsort(days, (size_t)ntx, sizeof(days[0]), cmp_int);
        fmt_date_l(from_s, sizeof(from_s), start, df, lc->lang);
        fmt_date_l(to_s, sizeof(to_s), end, df, lc->lang);
        fmt_date_l(stmt_s, sizeof(stmt_s), date_add(end, 2), df, lc->lang);
        bprintf(period, sizeof(period), "%s - %s", from_s, to_s);

        if (job_open(j, lc->page_w, lc->page_h, date_add(end, 2), bank_name) <
            0)
                return -1;
        d->numbered = 1;
        bprintf(d->header, sizeof(d->header), "%s - %s - IBAN %s", bank_name,
                tx->title, spaced);
        t.x = d->left;
        t.width = d->w - d->left - d->right;
        doc_font(d, F_SANS_B, 16);
        doc_accent(d);
        doc_put(d, d->left, d->y + 16, AL_LEFT, bank_name);
        doc_gray(d, 0);
        doc_font(d, F_SANS_B, 14);
        doc_put(d, d->w - d->right, d->y + 16, AL_RIGHT, tx->title);
        d->y += 24;
        doc_font(d, F_SANS, 8);
        doc_putf(d, d->left, d->y + 8, AL_LEFT, "%s, %s - %s", bank.street,
                 bank.city, bank.phone);
        doc_putf(d, d->w - d->right, d->y + 8, AL_RIGHT, "%s %d / %d",
                 tx->stmt_no, month, year);
        d->y = 120;
        {
                const char *addr[3] = {holder.name, holder.street, holder.city};
                const char *k[6] = {tx->holder,   "IBAN",    "BIC",
                                    tx->currency, tx->period, tx->stmt_date};
                const char *v[6] = {holder.name,  spaced, bic,
                                    lc->currency, period, stmt_s};
                doc_font(d, F_SANS, 10);
                doc_lines(d, d->left, addr, 3, 13);
                d->y = 120;
                doc_kv(d, d->w - d->right - 250, k, v, 6, F_SANS, 8.5);
        }
        d->y += 18;
        {
                const char *k[4] = {tx->opening, tx->paid_in, tx->paid_out,
                                    tx->closing};
                long long v[4] = {opening, in, out, closing};
                doc_gray(d, 0.93);
                doc_fill(d, d->left, d->y, t.width, 64);
                doc_gray(d, 0);
                d->y += 4;
                for (i = 0; i < 4; i++) {
                        doc_font(d, i == 3 ? F_SANS_B : F_SANS, 9);
                        doc_putf(d, d->left + 8, d->y + 10, AL_LEFT, "%s%s%s%s%s",
                                 k[i], i == 0 || i == 3 ? " " : "",
                                 i == 0 || i == 3 ? tx->on : "",
                                 i == 0 || i == 3 ? " " : "",
                                 i == 0   ? from_s
                                 : i == 3 ? to_s
                                          : "");
                        fmt_money_f(a, sizeof(a), v[i], nf);
                        doc_putf(d, d->left + 330, d->y + 10, AL_RIGHT, "%s %s",
                                 lc->currency, a);
                        d->y += 14;
                }
                d->y += 16;
        }
        table_header(d, &t);
        fmt_money_f(c, sizeof(c), opening, nf);
        {
                const char *row[5] = {from_s, tx->fwd, NULL, NULL, c};
                table_row(d, &t, row, 1);
        }
        bal = opening;
        for (i = 0; i < ntx; i++) {
                struct date td = {year, month, days[i]};
                const char *row[5] = {date_s, desc, NULL, NULL, c};
                bal += amount[i];
                fmt_date_l(date_s, sizeof(date_s), td, df, lc->lang);
                bprintf(desc, sizeof(desc), "%s%s%s", tx->tx[kind[i]],
                        who[i][0] ? " " : "", who[i]);
                if ((kind[i] == 6 || kind[i] == 7) && rng_chance(r, 50)) {
                        size_t l = strlen(desc);
                        bprintf(desc + l, sizeof(desc) - l, " %s %d-%04d",
                                x_bank_invoice[lc->lang], year,
                                rng_int(r, 1, 9999));
                }
                fmt_money_f(a, sizeof(a),
                            amount[i] < 0 ? -amount[i] : amount[i], nf);
                fmt_money_f(c, sizeof(c), bal, nf);
                row[amount[i] < 0 ? 2 : 3] = a;
                table_row(d, &t, row, 0);
        }
        fmt_money_f(c, sizeof(c), closing, nf);
        {
                const char *row[5] = {to_s, tx->cfwd, NULL, NULL, c};
                table_row(d, &t, row, 1);
        }
        d->y += 16;
        doc_font(d, F_SANS, 7.5);
        {
                char foot[512];
                tfill(foot, sizeof(foot), tx->footer_fmt, bank_name,
                      lc->currency, NULL);
                g_string_printf(j->buf, "%s BIC %s.", foot, bic);
        }
        if (d->y + 40 < d->h - d->bottom)
                doc_wrap(d, j->buf->str, d->left, t.width, 10, 1);
        if (job_close(j) < 0)
                return -1;
        truth_str(&j->truth, "account_holder", holder.name);
        truth_str(&j->truth, "iban", iban);
        truth_date(&j->truth, "period_start", start);
        truth_date(&j->truth, "period_end", end);
        truth_amount(&j->truth, "opening_balance", opening);
        truth_amount(&j->truth, "closing_balance", closing);
        truth_str(&j->truth, "currency", lc->currency);
        return 0;
}
/* ---- financial statements, shared by the annual and quarterly reports ---- */

struct income { /* whole currency units */
        long long revenue, cost, gross, selling, admin, other, operating,
            fin_in, fin_cost, pbt, tax, net;
};

struct balance {
        long long ppe, intangibles, goodwill, nca, inventories, receivables,
            cash, ca, assets, share_cap, retained, equity, borrowings, leases,
            ncl, payables, tax_pay, short_debt, cl, liabilities;
};

static long long pct(struct rng *r, long long base, int lo_bp, int hi_bp)
{
        return base * rng_int(r, lo_bp, hi_bp) / 10000;
}

static void income_make(struct rng *r, long long revenue, struct income *in)
{
        in->revenue = revenue;
        in->cost = pct(r, revenue, 5200, 6400);
        in->gross = revenue - in->cost;
        in->selling = pct(r, revenue, 900, 1300);
        in->admin = pct(r, revenue, 600, 900);
        in->other = pct(r, revenue, 0, 150);
        in->operating = in->gross - in->selling - in->admin + in->other;
        in->fin_in = pct(r, revenue, 20, 60);
        in->fin_cost = pct(r, revenue, 80, 160);
        in->pbt = in->operating + in->fin_in - in->fin_cost;
        in->tax = pct(r, in->pbt, 2100, 2700);
        in->net = in->pbt - in->tax;
}

/* Liabilities stay well under assets, so equity (the plug) is positive. */
static void balance_make(struct rng *r, long long revenue, struct balance *b)
{
        b->ppe = pct(r, revenue, 2000, 6000);
        b->intangibles = pct(r, revenue, 300, 1500);
        b->goodwill = pct(r, revenue, 0, 2000);
        b->nca = b->ppe + b->intangibles + b->goodwill;
        b->inventories = pct(r, revenue, 500, 1500);
        b->receivables = pct(r, revenue, 1000, 2000);
        b->cash = pct(r, revenue, 500, 2500);
        b->ca = b->inventories + b->receivables + b->cash;
        b->assets = b->nca + b->ca;
        b->borrowings = pct(r, b->assets, 1500, 3000);
        b->leases = pct(r, revenue, 200, 800);
        b->ncl = b->borrowings + b->leases;
        b->payables = pct(r, revenue, 800, 1500);
        b->tax_pay = pct(r, revenue, 100, 300);
        b->short_debt = pct(r, revenue, 100, 500);
        b->cl = b->payables + b->tax_pay + b->short_debt;
        b->liabilities = b->ncl + b->cl;
        b->equity = b->assets - b->liabilities;
        b->share_cap = pct(r, b->equity, 500, 2000);
        b->retained = b->equity - b->share_cap;
}

enum fs_style { FS_ITEM, FS_HEAD, FS_TOTAL, FS_GRAND };

struct fsline {
        const char *label;
        size_t off; /* of the value in struct income or struct balance */
        int sign;   /* -1: shown as a deduction, in parentheses */
        enum fs_style style;
};

#define IN_(f) offsetof(struct income, f)
#define BS_(f) offsetof(struct balance, f)

static const struct fsline income_lines[] = {
    {"Revenue", IN_(revenue), 1, FS_ITEM},
    {"Cost of sales", IN_(cost), -1, FS_ITEM},
    {"Gross profit", IN_(gross), 1, FS_TOTAL},
    {"Selling and distribution expenses", IN_(selling), -1, FS_ITEM},
    {"Administrative expenses", IN_(admin), -1, FS_ITEM},
    {"Other operating income", IN_(other), 1, FS_ITEM},
    {"Operating profit", IN_(operating), 1, FS_TOTAL},
    {"Finance income", IN_(fin_in), 1, FS_ITEM},
    {"Finance costs", IN_(fin_cost), -1, FS_ITEM},
    {"Profit before tax", IN_(pbt), 1, FS_TOTAL},
    {"Income tax expense", IN_(tax), -1, FS_ITEM},
    {"Net income", IN_(net), 1, FS_GRAND}};

static const struct fsline balance_lines[] = {
    {"ASSETS", 0, 0, FS_HEAD},
    {"Non-current assets", 0, 0, FS_HEAD},
    {"Property, plant and equipment", BS_(ppe), 1, FS_ITEM},
    {"Intangible assets", BS_(intangibles), 1, FS_ITEM},
    {"Goodwill", BS_(goodwill), 1, FS_ITEM},
    {"Total non-current assets", BS_(nca), 1, FS_TOTAL},
    {"Current assets", 0, 0, FS_HEAD},
    {"Inventories", BS_(inventories), 1, FS_ITEM},
    {"Trade and other receivables", BS_(receivables), 1, FS_ITEM},
    {"Cash and cash equivalents", BS_(cash), 1, FS_ITEM},
    {"Total current assets", BS_(ca), 1, FS_TOTAL},
    {"Total assets", BS_(assets), 1, FS_GRAND},
    {"EQUITY AND LIABILITIES", 0, 0, FS_HEAD},
    {"Share capital", BS_(share_cap), 1, FS_ITEM},
    {"Retained earnings", BS_(retained), 1, FS_ITEM},
    {"Total equity", BS_(equity), 1, FS_TOTAL},
    {"Non-current liabilities", 0, 0, FS_HEAD},
    {"Borrowings", BS_(borrowings), 1, FS_ITEM},
    {"Lease liabilities", BS_(leases), 1, FS_ITEM},
    {"Total non-current liabilities", BS_(ncl), 1, FS_TOTAL},
    {"Current liabilities", 0, 0, FS_HEAD},
    {"Trade and other payables", BS_(payables), 1, FS_ITEM},
    {"Current tax liabilities", BS_(tax_pay), 1, FS_ITEM},
    {"Short-term borrowings", BS_(short_debt), 1, FS_ITEM},
    {"Total current liabilities", BS_(cl), 1, FS_TOTAL},
    {"Total liabilities", BS_(liabilities), 1, FS_TOTAL},
    {"Total equity and liabilities", BS_(assets), 1, FS_GRAND}};


/* lines relabelled in language lang, into out (n entries). */
static void fs_localize(const struct fsline *lines, const l5 *labels,
                        size_t n, enum lang lang, struct fsline *out)
{
        for (size_t i = 0; i < n; i++) {
                out[i] = lines[i];
                out[i].label = labels[i][lang];
        }
}

/*
 * A statement on a fresh page: title, subtitle, then one table row per line
 * with one column per entry of vals (struct income or struct balance, all
 * of the same kind as lines), figures in number format nf. A non-NULL grand
 * renames the FS_GRAND rows.
 */
static void fs_page(struct doc *d, const char *title, const char *sub,
                    const struct col *cols, int ncols,
                    const struct fsline *lines, size_t n,
                    const void *const *vals, const char *grand,
                    enum numfmt nf)
{
        struct table t = {cols, ncols, d->left, d->w - d->left - d->right,
                          9,    15.5,  F_SANS,  0};
        double xnum = t.x + t.width * cols[0].frac;
        size_t i;
        int c;

        doc_heading(d, title, 15);
        doc_font(d, F_SANS, 9);
        doc_put(d, d->left, d->y + 9, AL_LEFT, sub);
        d->y += 22;
        table_header(d, &t);
        for (i = 0; i < n; i++) {
                const struct fsline *l = &lines[i];
                char label[128], v[4][48];
                const char *cells[5] = {label, NULL, NULL, NULL, NULL};

                bprintf(label, sizeof(label), "%s%s",
                        l->style == FS_ITEM ? "    " : "",
                        grand && l->style == FS_GRAND ? grand : l->label);
                for (c = 0; l->style != FS_HEAD && c < ncols - 1 && c < 4;
                     c++) {
                        const char *base = (const char *)vals[c];
                        long long x;
                        memcpy(&x, base + l->off, sizeof(x));
                        fmt_units_f(v[c], sizeof(v[c]), x * l->sign, nf);
                        cells[c + 1] = v[c];
                }
                if (l->style == FS_HEAD)
                        d->y += 5;
                if (l->style == FS_TOTAL || l->style == FS_GRAND)
                        doc_rule(d, xnum + 8, t.x + t.width, d->y + 1, 0.5);
                table_row(d, &t, cells, l->style != FS_ITEM);
                if (l->style == FS_GRAND) {
                        doc_rule(d, xnum + 8, t.x + t.width, d->y + 1, 0.5);
                        doc_rule(d, xnum + 8, t.x + t.width, d->y + 3, 0.5);
                        d->y += 6;
                }
        }
}

/* "2,135.1" (or "2.135,1") for 2,135,075,815 units. */
static void fmt_millions(char *buf, size_t n, long long units, enum numfmt nf)
{
        long long m10 = (units + 50000) / 100000;
        char whole[48];

        group_digits(whole, sizeof(whole), (unsigned long long)(m10 / 10),
                     num_group(nf));
        bprintf(buf, n, "%s%c%lld", whole,
                nf == NUM_COMMA || nf == NUM_SPACE ? ',' : '.', m10 % 10);
}

/* Fills the pages between the fixed parts: a management report or MD&A,
 * the statements, then the notes, so that the document ends on page
 * target. */
static void report_body(struct job *j, enum lang lang, const char *mgmt_title,
                        const char *notes_title, int target,
                        const struct fsline *is_lines, size_t nis,
                        const char *is_title, const char *is_sub,
                        const struct col *is_cols, int is_ncols,
                        const void *const *is_vals, const char *grand,
                        const char *bs_title, const char *bs_sub,
                        const struct col *bs_cols, const void *const *bs_vals,
                        enum numfmt nf)
{
        struct doc *d = &j->doc;
        int spare = target - d->page - 2, mgmt = spare > 1 ? spare / 2 : 0;
        struct fsline bl[G_N_ELEMENTS(balance_lines)];
        struct filler mg = {&vocab_fin_l[lang], mgmt_heads_l[lang], 6,
                            HEAD_PLAIN, 1};
        struct filler nt = {&vocab_fin_l[lang], note_heads_l[lang], 6,
                            HEAD_NOTE, 1};

        if (lang == LANG_EN) {
                mg.heads = mgmt_heads;
                mg.nheads = G_N_ELEMENTS(mgmt_heads);
                nt.heads = note_heads;
                nt.nheads = G_N_ELEMENTS(note_heads);
        }
        fs_localize(balance_lines, balance_labels, G_N_ELEMENTS(bl), lang, bl);
        if (mgmt > 0) {
                int until = d->page + mgmt;
                doc_new_page(d);
                doc_heading(d, mgmt_title, 16);
                doc_filler(d, &j->rng, &mg, until, 0, j->buf);
        }
        doc_new_page(d);
        fs_page(d, is_title, is_sub, is_cols, is_ncols, is_lines, nis, is_vals,
                grand, nf);
        doc_new_page(d);
        fs_page(d, bs_title, bs_sub, bs_cols, 3, bl, G_N_ELEMENTS(bl),
                bs_vals, NULL, nf);
        doc_new_page(d);
        doc_heading(d, notes_title, 16);
        doc_filler(d, &j->rng, &nt, target > d->page ? target : d->page, 0,
                   j->buf);
}

static const char *const taglines[] = {
    "Building resilient value", "Delivering sustainable growth",
    "Engineering the next decade", "Focused on what matters",
    "Connecting markets, creating value"};

/* The report's date as the country writes a written date. */
static enum datefmt rep_datefmt(const struct locale *lc)
{
        return lc->id == LOC_US ? DF_LONG_US : DF_LONG;
}

static int gen_annual_report(struct job *j)
{
        struct rng *r = &j->rng;
        const struct locale *lc = job_locale(j, 1);
        const struct rep_text *tx = &rep_text[lc->lang];
        enum numfmt nf = lc->num;
        struct doc *d = &j->doc;
        struct party co;
        struct income cur, prev;
        struct balance bcur, bprev;
        struct fsline il[G_N_ELEMENTS(income_lines)];
        int year = j->year ? j->year : rng_int(r, 2019, 2024), i, growth;
        long long revenue =
            rng_ll(r, 20, 4800) * 1000000 + rng_ll(r, 0, 999999);
        long long shares = rng_ll(r, 10, 500) * 1000000, employees;
        struct date fy_end = {year, 12, 31}, published = {year + 1, 3, 1};
        char title[200], y0[8], y1[8], sub[160], ceo[64], a[64], b[64],
            m1[32], m2[32], pct1[8], pct2[8], line[600];
        struct col is_cols[3] = {{"", 0.6, 0}, {y0, 0.2, 1}, {y1, 0.2, 1}};
        const void *is_vals[2] = {&cur, &prev}, *bs_vals[2] = {&bcur, &bprev};

        fs_localize(income_lines, income_labels, G_N_ELEMENTS(il), lc->lang,
                    il);
        make_party(r, lc, &co, 1);
        make_person(r, ceo, sizeof(ceo));
        income_make(r, revenue, &cur);
        income_make(r, revenue * 10000 / (10000 + rng_int(r, -600, 1500)),
                    &prev);
        balance_make(r, cur.revenue, &bcur);
        balance_make(r, prev.revenue, &bprev);
        employees = revenue / rng_int(r, 150000, 400000) + 12;
        growth = (int)((cur.revenue - prev.revenue) * 1000 / prev.revenue);
        published.d = rng_int(r, 1, 28);
        bprintf(y0, sizeof(y0), "%d", year);
        bprintf(y1, sizeof(y1), "%d", year - 1);
        bprintf(title, sizeof(title), "%s %s %d", co.name, tx->annual, year);
        if (job_open(j, lc->page_w, lc->page_h, published, title) < 0)
                return -1;
        d->numbered = 1;
        bprintf(d->header, sizeof(d->header), "%s - %s %d", co.name,
                tx->annual, year);

        /* cover */
        doc_accent(d);
        doc_fill(d, 0, 0, d->w, 300);
        doc_gray(d, 1);
        doc_font(d, F_SANS_B, 24);
        doc_put(d, d->left, 120, AL_LEFT, co.name);
        doc_font(d, F_SANS, 34);
        doc_putf(d, d->left, 185, AL_LEFT, "%s %d", tx->annual, year);
        doc_font(d, F_SERIF, 13);
        if (lc->lang == LANG_EN)
                doc_put(d, d->left, 225, AL_LEFT, PICK(r, taglines));
        doc_gray(d, 0);
        doc_font(d, F_SANS, 11);
        fmt_date_l(a, sizeof(a), fy_end, rep_datefmt(lc), lc->lang);
        tfill(line, sizeof(line), tx->fy_ended_fmt, a, NULL);
        doc_put(d, d->left, 350, AL_LEFT, line);
        doc_font(d, F_SANS, 9);
        doc_putf(d, d->left, d->h - 90, AL_LEFT, "%s, %s, %s", co.name,
                 co.street, co.city);
        doc_putf(d, d->left, d->h - 78, AL_LEFT, "www.%s", co.domain);

        /* contents and highlights */
        doc_new_page(d);
        doc_heading(d, tx->contents, 16);
        {
                const char *toc[6] = {tx->highlights, tx->letter, tx->mgmt,
                                      tx->is_title,   tx->bs_title,
                                      tx->notes};
                doc_font(d, F_SANS, 10);
                for (i = 0; i < 6; i++) {
                        doc_put(d, d->left, d->y + 10, AL_LEFT, toc[i]);
                        d->y += 16;
                }
        }
        d->y += 20;
        doc_heading(d, tx->highlights, 14);
        {
                static const struct col hcols[3] = {
                    {"", 0.6, 0}, {NULL, 0.2, 1}, {NULL, 0.2, 1}};
                struct col hc[3] = {hcols[0], hcols[1], hcols[2]};
                struct table t = {hc,  3,  d->left, d->w - d->left - d->right,
                                  9.5, 17, F_SANS,  1};
                long long vc[5] = {cur.revenue, cur.gross, cur.operating,
                                   cur.net, bcur.assets};
                long long vp[5] = {prev.revenue, prev.gross, prev.operating,
                                   prev.net, bprev.assets};
                char lab[96];
                const char *row[3] = {lab, a, b};

                hc[0].title = lc->currency;
                hc[1].title = y0;
                hc[2].title = y1;
                table_header(d, &t);
                for (i = 0; i < 5; i++) {
                        bprintf(lab, sizeof(lab), "%s", tx->hl[i]);
                        fmt_units_f(a, sizeof(a), vc[i], nf);
                        fmt_units_f(b, sizeof(b), vp[i], nf);
                        table_row(d, &t, row, i == 3);
                }
                bprintf(lab, sizeof(lab), "%s (%s)", tx->eps, lc->currency);
                fmt_money_f(a, sizeof(a), cur.net * 100 / shares, nf);
                fmt_money_f(b, sizeof(b), prev.net * 100 / shares, nf);
                table_row(d, &t, row, 0);
                bprintf(lab, sizeof(lab), "%s", tx->employees);
                fmt_units_f(a, sizeof(a), employees, nf);
                fmt_units_f(b, sizeof(b),
                            employees * 100 / rng_int(r, 95, 110), nf);
                table_row(d, &t, row, 0);
        }

        /* letter */
        doc_new_page(d);
        doc_heading(d, tx->letter, 16);
        doc_para(d, tx->dear);
        fmt_millions(m1, sizeof(m1), cur.revenue, nf);
        fmt_millions(m2, sizeof(m2), cur.net, nf);
        bprintf(pct1, sizeof(pct1), "%d", abs(growth) / 10);
        bprintf(pct2, sizeof(pct2), "%d", abs(growth) % 10);
        tfill(line, sizeof(line), tx->letter_fmt, y0, co.name,
              growth >= 0 ? tx->up : tx->down, pct1, pct2, lc->currency, m1,
              lc->currency, m2, NULL);
        doc_para(d, line);
        for (i = 0; i < 4; i++) {
                vocab_paragraph(r, &vocab_fin_l[lc->lang], j->buf, 3, 5);
                doc_para(d, j->buf->str);
        }
        doc_para(d, tx->sincerely);
        d->y += 10;
        doc_para(d, ceo);
        doc_para(d, tx->ceo);

        fmt_date_l(a, sizeof(a), fy_end, rep_datefmt(lc), lc->lang);
        tfill(sub, sizeof(sub), tx->is_sub_fmt, a, lc->currency, NULL);
        {
                char bs_sub[160];
                tfill(bs_sub, sizeof(bs_sub), tx->bs_sub_fmt, a, lc->currency,
                      NULL);
                report_body(j, lc->lang, tx->mgmt, tx->notes, j->pages, il,
                            G_N_ELEMENTS(il), tx->is_title, sub, is_cols, 3,
                            is_vals, tx->grand_year, tx->bs_title, bs_sub,
                            is_cols, bs_vals, nf);
        }
        if (job_close(j) < 0)
                return -1;
        truth_str(&j->truth, "company", co.name);
        truth_year(&j->truth, "fiscal_year", year);
        truth_amount(&j->truth, "revenue", cur.revenue * 100);
        truth_amount(&j->truth, "net_income", cur.net * 100);
        truth_str(&j->truth, "currency", lc->currency);
        return 0;
}

static int gen_financial_report(struct job *j)
{
        static const char *const qn[LANG_COUNT] = {"Q", "Q", "T", "K", "T"};
        struct rng *r = &j->rng;
        const struct locale *lc = job_locale(j, 1);
        const struct rep_text *tx = &rep_text[lc->lang];
        enum numfmt nf = lc->num;
        struct doc *d = &j->doc;
        struct party co;
        struct income inc[4]; /* quarter, prior-year quarter, YTD, prior YTD */
        struct balance bcur, bprev;
        struct fsline il[G_N_ELEMENTS(income_lines)];
        int year = j->year ? j->year : rng_int(r, 2019, 2024);
        int q = rng_int(r, 1, 3), i, ncols = q > 1 ? 5 : 3;
        long long rq = rng_ll(r, 5, 1200) * 1000000 + rng_ll(r, 0, 999999);
        long long rp = rq * 10000 / (10000 + rng_int(r, -800, 1800));
        long long ytd = rq, ytdp = rp;
        struct date pend = date_month_end(year, q * 3);
        struct date prev_end = {year - 1, 12, 31};
        char title[200], pend_s[48], t0[16], t1[16], t2[16], t3[16], sub[160],
            bs_sub[160], b0[48], b1[48], a[64], b[64], c[64], line[600];
        struct col is_cols[5] = {{"", 0.44, 0},
                                 {t0, 0.14, 1},
                                 {t1, 0.14, 1},
                                 {t2, 0.14, 1},
                                 {t3, 0.14, 1}};
        struct col bs_cols[3] = {{"", 0.6, 0}, {b0, 0.2, 1}, {b1, 0.2, 1}};
        const void *is_vals[4] = {&inc[0], &inc[1], &inc[2], &inc[3]};
        const void *bs_vals[2] = {&bcur, &bprev};

        fs_localize(income_lines, income_labels, G_N_ELEMENTS(il), lc->lang,
                    il);
        if (ncols == 3) {
                is_cols[0].frac = 0.6;
                is_cols[1].frac = is_cols[2].frac = 0.2;
        }
        for (i = 1; i < q; i++) {
                ytd += pct(r, rq, 8500, 10500);
                ytdp += pct(r, rp, 8500, 10500);
        }
        income_make(r, rq, &inc[0]);
        income_make(r, rp, &inc[1]);
        income_make(r, ytd, &inc[2]);
        income_make(r, ytdp, &inc[3]);
        balance_make(r, ytd * 4 / q, &bcur);
        balance_make(r, ytdp * 4 / q, &bprev);
        make_party(r, lc, &co, 1);
        fmt_date_l(pend_s, sizeof(pend_s), pend, rep_datefmt(lc), lc->lang);
        bprintf(t0, sizeof(t0), "%s%d %d", qn[lc->lang], q, year);
        bprintf(t1, sizeof(t1), "%s%d %d", qn[lc->lang], q, year - 1);
        bprintf(t2, sizeof(t2), "YTD %d", year);
        bprintf(t3, sizeof(t3), "YTD %d", year - 1);
        fmt_date_l(b0, sizeof(b0), pend, lc->short_date, lc->lang);
        fmt_date_l(b1, sizeof(b1), prev_end, lc->short_date, lc->lang);
        bprintf(title, sizeof(title), "%s %s %s%d %d", co.name, tx->quarterly,
                qn[lc->lang], q, year);
        if (job_open(j, lc->page_w, lc->page_h, date_add(pend, 30), title) < 0)
                return -1;
        d->numbered = 1;
        tfill(line, sizeof(line), tx->q_ended_fmt, pend_s, NULL);
        bprintf(d->header, sizeof(d->header), "%s - %s", co.name, line);

        if (lc->id == LOC_US) {
                static const char *const sec[] = {
                    "UNITED STATES SECURITIES AND EXCHANGE COMMISSION",
                    "Washington, D.C. 20549", "FORM 10-Q",
                    "QUARTERLY REPORT PURSUANT TO SECTION 13 OR 15(d) OF "
                    "THE SECURITIES EXCHANGE ACT OF 1934"};
                for (i = 0; i < 4; i++) {
                        doc_font(d, i == 2 ? F_SANS_B : F_SANS,
                                 i == 2 ? 14 : 8.5);
                        doc_put(d, d->w / 2, d->y + 12, AL_CENTER, sec[i]);
                        d->y += i == 2 ? 22 : 14;
                }
                d->y += 10;
        }
        doc_font(d, F_SANS_B, 20);
        doc_put(d, d->left, d->y + 20, AL_LEFT, co.name);
        d->y += 34;
        doc_font(d, F_SANS, 24);
        doc_accent(d);
        doc_put(d, d->left, d->y + 24, AL_LEFT, tx->quarterly);
        doc_gray(d, 0);
        d->y += 34;
        doc_font(d, F_SANS, 11);
        doc_put(d, d->left, d->y + 11, AL_LEFT, line);
        d->y += 22;
        if (lc->id == LOC_US) {
                doc_font(d, F_SANS, 8.5);
                doc_putf(d, d->left, d->y + 9, AL_LEFT,
                         "Commission File Number 001-%05d - %s - %s, %s",
                         rng_int(r, 10000, 99999), co.vat, co.street, co.city);
                d->y += 16;
        }
        doc_heading(d, tx->highlights, 13);
        fmt_units_f(a, sizeof(a), inc[0].revenue, nf);
        fmt_units_f(b, sizeof(b), inc[1].revenue, nf);
        fmt_units_f(c, sizeof(c), inc[0].net, nf);
        tfill(line, sizeof(line), tx->q_hl_fmt, lc->currency, a, lc->currency,
              b, lc->currency, c, NULL);
        g_string_printf(j->buf, "%s ", line);
        vocab_sentence(r, &vocab_fin_l[lc->lang], j->buf);
        vocab_sentence(r, &vocab_fin_l[lc->lang], j->buf);
        doc_para(d, j->buf->str);
        vocab_paragraph(r, &vocab_fin_l[lc->lang], j->buf, 3, 6);
        doc_para(d, j->buf->str);
        tfill(sub, sizeof(sub), tx->is_sub_fmt, pend_s, lc->currency, NULL);
        tfill(bs_sub, sizeof(bs_sub), tx->bs_sub_fmt, pend_s, lc->currency,
              NULL);
        report_body(j, lc->lang, tx->mgmt, tx->notes, j->pages, il,
                    G_N_ELEMENTS(il), tx->is_title, sub, is_cols, ncols,
                    is_vals, tx->grand_period, tx->bs_title, bs_sub, bs_cols,
                    bs_vals, nf);
        if (job_close(j) < 0)
                return -1;
        truth_str(&j->truth, "company", co.name);
        truth_date(&j->truth, "period_end", pend);
        truth_amount(&j->truth, "revenue", inc[0].revenue * 100);
        truth_amount(&j->truth, "net_income", inc[0].net * 100);
        truth_str(&j->truth, "currency", lc->currency);
        return 0;
}
/* ---- contract ---- */

static const char *num_words(int n)
{
        switch (n) {
        case 12:
                return "twelve";
        case 24:
                return "twenty-four";
        case 30:
                return "thirty";
        case 36:
                return "thirty-six";
        case 45:
                return "forty-five";
        default:
                return "sixty";
        }
}

/* The English agreement: US and British companies, and one in five
 * international ones. */
static void contract_en(struct job *j, const struct locale *lc,
                        const struct party *cl, const struct party *pv,
                        const char *title, const char *eff_s)
{
        static const char *const services[] = {"IT infrastructure management",
                                               "software development",
                                               "financial advisory",
                                               "payroll processing",
                                               "data analytics",
                                               "facility management",
                                               "cloud hosting and support"};
        static const int terms[] = {12, 24, 36}, pays[] = {30, 45, 60};
        struct rng *r = &j->rng;
        struct doc *d = &j->doc;
        const char *svc = PICK(r, services);
        int term = PICK(r, terms), pay = PICK(r, pays), i;
        struct filler f = {&vocab_law, clause_heads, G_N_ELEMENTS(clause_heads),
                           HEAD_CLAUSE, 4};
        char fee[48], head[96];
        const struct party *sig[2] = {cl, pv};

        fmt_money(fee, sizeof(fee), rng_ll(r, 4, 120) * 50000, 0);
        g_string_printf(j->buf,
                        "This %s (the \"Agreement\") is entered into as of %s "
                        "(the \"Effective Date\") by and between:",
                        title, eff_s);
        doc_para(d, j->buf->str);
        for (i = 0; i < 2; i++) {
                g_string_printf(j->buf,
                                "(%d) %s, %s, with its registered office at "
                                "%s, %s (the \"%s\")%s",
                                i + 1, sig[i]->name, lc->incorporated,
                                sig[i]->street, sig[i]->city,
                                i ? "Provider" : "Client", i ? "." : "; and");
                doc_para(d, j->buf->str);
        }
        doc_para(d, "The Client and the Provider are each a \"Party\" and "
                    "together the \"Parties\".");
        doc_heading(d, "Recitals", 11);
        g_string_printf(
            j->buf,
            "WHEREAS, the Client wishes to engage the Provider to "
            "provide %s services, and the Provider has the "
            "expertise and resources to provide such services; "
            "NOW, THEREFORE, in consideration of the mutual "
            "covenants set out below, the Parties agree as follows:",
            svc);
        doc_para(d, j->buf->str);
        doc_heading(d, "1. Services", 11);
        g_string_printf(j->buf,
                        "The Provider shall provide the %s services described "
                        "in Schedule 1 (the \"Services\") with due skill, care "
                        "and diligence. ",
                        svc);
        vocab_sentence(r, &vocab_law, j->buf);
        vocab_sentence(r, &vocab_law, j->buf);
        doc_para(d, j->buf->str);
        doc_heading(d, "2. Term", 11);
        g_string_printf(j->buf,
                        "This Agreement commences on the Effective Date and "
                        "continues for an initial term of %s (%d) months (the "
                        "\"Term\"). It renews automatically for successive "
                        "periods of twelve (12) months unless either Party "
                        "gives at least ninety (90) days' written notice of "
                        "non-renewal.",
                        num_words(term), term);
        doc_para(d, j->buf->str);
        doc_heading(d, "3. Fees and Payment Terms", 11);
        g_string_printf(j->buf,
                        "The Client shall pay the Provider a monthly fee of "
                        "%s %s, exclusive of VAT and other applicable taxes. "
                        "The Provider shall invoice monthly in arrears, and "
                        "each invoice is payable within %s (%d) days of "
                        "receipt. Late payments bear interest at four percent "
                        "(4%%) per annum above the base rate.",
                        lc->currency, fee, num_words(pay), pay);
        doc_para(d, j->buf->str);
        doc_filler(d, r, &f, j->pages, 400, j->buf);
        bprintf(head, sizeof(head), "%d. Governing Law and Jurisdiction",
                f.next);
        doc_heading(d, head, 11);
        g_string_printf(j->buf,
                        "This Agreement and any dispute or claim arising out "
                        "of or in connection with it shall be governed by and "
                        "construed in accordance with %s. The Parties submit "
                        "to the exclusive jurisdiction of %s.",
                        lc->law_text, lc->courts);
        doc_para(d, j->buf->str);
        bprintf(head, sizeof(head), "%d. Entire Agreement", f.next + 1);
        doc_heading(d, head, 11);
        doc_para(d,
                 "This Agreement, together with its Schedules, constitutes "
                 "the entire agreement between the Parties and supersedes "
                 "all prior agreements, representations and understandings.");
        doc_need(d, 190);
        doc_para(d, "IN WITNESS WHEREOF, the Parties have executed this "
                    "Agreement as of the Effective Date.");
}

/* The same in the country's language. */
static void contract_local(struct job *j, const struct locale *lc,
                           const struct contract_text *tx,
                           const struct party *cl, const struct party *pv,
                           const char *title, const char *eff_s)
{
        static const int terms[] = {12, 24, 36}, pays[] = {30, 45, 60};
        struct rng *r = &j->rng;
        struct doc *d = &j->doc;
        struct filler f = {&vocab_law_l[lc->lang], clause_heads_l[lc->lang],
                           6, HEAD_CLAUSE, 4};
        char fee[64], line[600], n1[8], n2[8], where[200];
        const struct party *sig[2] = {cl, pv};
        int i;

        tfill(line, sizeof(line), tx->intro_fmt, title, eff_s, NULL);
        doc_para(d, line);
        for (i = 0; i < 2; i++) {
                bprintf(n1, sizeof(n1), "%d", i + 1);
                bprintf(where, sizeof(where), "%s, %s", sig[i]->street,
                        sig[i]->city);
                tfill(line, sizeof(line), tx->party_fmt, n1, sig[i]->name,
                      where, sig[i]->reg, i ? tx->provider : tx->client,
                      i ? "." : tx->and_end, NULL);
                doc_para(d, line);
        }
        doc_para(d, tx->parties);
        doc_heading(d, tx->recitals, 11);
        doc_para(d, tx->whereas_fmt);
        doc_heading(d, tx->services, 11);
        g_string_printf(j->buf, "%s ", tx->services_fmt);
        vocab_sentence(r, &vocab_law_l[lc->lang], j->buf);
        doc_para(d, j->buf->str);
        doc_heading(d, tx->term, 11);
        bprintf(n1, sizeof(n1), "%d", PICK(r, terms));
        tfill(line, sizeof(line), tx->term_fmt, n1, NULL);
        doc_para(d, line);
        doc_heading(d, tx->fees, 11);
        fmt_cur(fee, sizeof(fee), rng_ll(r, 4, 120) * 50000, lc);
        bprintf(n2, sizeof(n2), "%d", PICK(r, pays));
        tfill(line, sizeof(line), tx->fees_fmt, fee, n2, NULL);
        doc_para(d, line);
        doc_filler(d, r, &f, j->pages, 400, j->buf);
        bprintf(line, sizeof(line), "%d. %s", f.next, tx->law_head);
        doc_heading(d, line, 11);
        doc_para(d, lc->law_local);
        bprintf(line, sizeof(line), "%d. %s", f.next + 1, tx->entire);
        doc_heading(d, line, 11);
        doc_para(d, tx->entire_text);
        doc_need(d, 190);
        doc_para(d, tx->witness);
}

static int gen_contract(struct job *j)
{
        struct rng *r = &j->rng;
        const struct locale *lc = job_locale(j, 1);
        int english = lc->lang == LANG_EN || rng_chance(r, 20);
        const struct contract_text *tx =
            &contract_text[english ? LANG_EN : lc->lang];
        struct doc *d = &j->doc;
        struct party cl, pv;
        const char *title = tx->titles[rng_int(r, 0, 2)];
        int year = j->year ? j->year : rng_int(r, 2021, 2025), i;
        struct date eff = date_random(r, year);
        char eff_s[48];
        const struct party *sig[2] = {&cl, &pv};

        if (english)
                j->truth.language = "en";
        make_party(r, lc, &cl, 1);
        make_party(r, lc, &pv, 1);
        fmt_date_l(eff_s, sizeof(eff_s), eff,
                   english ? (lc->id == LOC_US ? DF_LONG_US : DF_LONG)
                           : DF_LONG,
                   english ? LANG_EN : lc->lang);
        if (job_open(j, lc->page_w, lc->page_h, eff, title) < 0)
                return -1;
        d->numbered = 1;
        d->body_size = 10.5;
        d->leading = 15;
        bprintf(d->header, sizeof(d->header), "%s - %s / %s", title, cl.name,
                pv.name);
        doc_font(d, F_SERIF_B, 17);
        doc_put(d, d->w / 2, d->y + 17, AL_CENTER, title);
        d->y += 40;
        if (english)
                contract_en(j, lc, &cl, &pv, title, eff_s);
        else
                contract_local(j, lc, tx, &cl, &pv, title, eff_s);
        d->y += 16;
        for (i = 0; i < 2; i++) {
                double x = d->left + i * (d->w - d->left - d->right) / 2,
                       y = d->y;
                doc_font(d, F_SERIF, 9.5);
                doc_put(d, x, y + 10, AL_LEFT, tx->behalf);
                doc_font(d, F_SERIF_B, 10);
                doc_put(d, x, y + 24, AL_LEFT, sig[i]->name);
                doc_font(d, F_SERIF, 9.5);
                doc_putf(d, x, y + 58, AL_LEFT,
                         "%s ____________________________", tx->by);
                doc_putf(d, x, y + 76, AL_LEFT, "%s %s", tx->name,
                         sig[i]->person);
                doc_putf(d, x, y + 92, AL_LEFT, "%s %s", tx->title_l,
                         sig[i]->title);
                doc_putf(d, x, y + 108, AL_LEFT, "%s __________________",
                         tx->date_l);
        }
        if (job_close(j) < 0)
                return -1;
        truth_key(&j->truth, "parties");
        g_string_append_c(j->truth.fields, '[');
        json_quote(j->truth.fields, cl.name);
        g_string_append(j->truth.fields, ", ");
        json_quote(j->truth.fields, pv.name);
        g_string_append_c(j->truth.fields, ']');
        truth_date(&j->truth, "effective_date", eff);
        truth_str(&j->truth, "governing_law", lc->law);
        return 0;
}
/* ---- tax form ---- */

struct taxform {
        const char *id, *title, *omb;
        const char *info[6]; /* labelled boxes on the left, top to bottom */
        double info_h[6];
        const char *amounts[10]; /* numbered boxes on the right */
};

static const struct taxform taxforms[] = {
    {"1040",
     "U.S. Individual Income Tax Return",
     "1545-0074",
     {NULL},
     {0},
     {NULL}},
    {"1099-MISC",
     "Miscellaneous Information",
     "1545-0115",
     {"PAYER'S name, street address, city or town, state, ZIP code, and "
      "telephone no.",
      "PAYER'S TIN", "RECIPIENT'S TIN", "RECIPIENT'S name",
      "Street address (including apt. no.) and city or town, state, ZIP",
      "Account number (see instructions)"},
     {64, 28, 28, 28, 40, 28},
     {"1 Rents", "2 Royalties", "3 Other income",
      "4 Federal income tax withheld", "5 Fishing boat proceeds",
      "6 Medical and health care payments",
      "8 Substitute payments in lieu of dividends or interest",
      "10 Gross proceeds paid to an attorney",
      "15 Nonqualified deferred compensation", "16 State tax withheld"}},
    {"W-2",
     "Wage and Tax Statement",
     "1545-0029",
     {"c Employer's name, address, and ZIP code",
      "b Employer identification number (EIN)",
      "a Employee's social security number", "d Control number",
      "e Employee's first name and initial, last name",
      "f Employee's address and ZIP code"},
     {64, 28, 28, 28, 28, 40},
     {"1 Wages, tips, other compensation", "2 Federal income tax withheld",
      "3 Social security wages", "4 Social security tax withheld",
      "5 Medicare wages and tips", "6 Medicare tax withheld",
      "7 Social security tips", "10 Dependent care benefits",
      "16 State wages, tips, etc.", "17 State income tax"}}};

static void tax_header(struct doc *d, const struct taxform *tf, int year,
                       const char *copy)
{
        double L = d->left, R = d->w - d->right, top = d->y;

        doc_box(d, L, top, R - L, 58);
        doc_rule(d, L + 110, L + 110, top, 0.6);
        cairo_line_to(d->cr, L + 110, top + 58);
        cairo_move_to(d->cr, R - 110, top);
        cairo_line_to(d->cr, R - 110, top + 58);
        cairo_stroke(d->cr);
        doc_font(d, F_SANS, 7);
        doc_put(d, L + 4, top + 12, AL_LEFT, "Form");
        doc_font(d, F_SANS_B, tf->id[1] == '0' ? 15 : 20);
        doc_put(d, L + 6, top + 40, AL_LEFT, tf->id);
        doc_font(d, F_SANS_B, 12);
        doc_put(d, d->w / 2, top + 20, AL_CENTER, tf->title);
        doc_font(d, F_SANS, 7.5);
        doc_put(d, d->w / 2, top + 34, AL_CENTER,
                "Department of the Treasury - Internal Revenue Service");
        doc_put(d, d->w / 2, top + 48, AL_CENTER, copy);
        doc_font(d, F_SANS, 7);
        doc_putf(d, R - 106, top + 12, AL_LEFT, "OMB No. %s", tf->omb);
        doc_font(d, F_SANS_B, 22);
        doc_putf(d, R - 55, top + 44, AL_CENTER, "%d", year);
        d->y = top + 70;
}

static void tax_1040(struct doc *d, struct rng *r, int year, const char *first,
                     const char *last, const char *street, const char *city)
{
        static const int std_ded[] = {12200, 12400, 12550, 12950, 13850};
        long long wages = rng_ll(r, 28000, 240000), intr = rng_ll(r, 0, 3500);
        long long divs = rng_ll(r, 0, 8000), gains = rng_ll(r, 0, 15000);
        long long total = wages + intr + divs + gains, adj = rng_ll(r, 0, 4000);
        long long agi = total - adj, ded = std_ded[(year - 2019) % 5];
        long long taxable = agi > ded ? agi - ded : 0;
        long long tax = taxable * rng_int(r, 1000, 2200) / 10000;
        long long credits = rng_ll(r, 0, tax / 4), owed = tax - credits;
        long long withheld = owed * rng_int(r, 80, 125) / 100;
        const struct {
                const char *no, *text;
                long long v;
        } lines[] = {
            {"1a", "Total amount from Form(s) W-2, box 1", wages},
            {"2b", "Taxable interest", intr},
            {"3b", "Ordinary dividends", divs},
            {"7", "Capital gain or (loss)", gains},
            {"9",
             "Add lines 1z, 2b, 3b, 4b, 5b, 6b, 7, and 8. This is "
             "your total income",
             total},
            {"10", "Adjustments to income from Schedule 1, line 26", adj},
            {"11",
             "Subtract line 10 from line 9. This is your adjusted "
             "gross income",
             agi},
            {"12", "Standard deduction or itemized deductions", ded},
            {"15",
             "Subtract line 14 from line 11. This is your taxable "
             "income",
             taxable},
            {"16", "Tax (see instructions)", tax},
            {"21", "Add lines 19 and 20 (credits)", credits},
            {"24", "Subtract line 21 from line 16. This is your total tax",
             owed},
            {"25a", "Federal income tax withheld from Form(s) W-2", withheld},
            {"33", "These are your total payments", withheld},
            {"34",
             "If line 33 is more than line 24, the amount you "
             "overpaid",
             withheld > owed ? withheld - owed : -1},
            {"37",
             "Subtract line 33 from line 24. This is the amount you "
             "owe",
             withheld < owed ? owed - withheld : -1}};
        double L = d->left, W = d->w - d->left - d->right;
        char ssn[16], v[32];
        size_t i;

        bprintf(ssn, sizeof(ssn), "XXX-XX-%04d", rng_int(r, 1000, 9999));
        doc_field(d, L, d->y, W * 0.4, 28, "Your first name and middle initial",
                  first, AL_LEFT);
        doc_field(d, L + W * 0.4, d->y, W * 0.35, 28, "Last name", last,
                  AL_LEFT);
        doc_field(d, L + W * 0.75, d->y, W * 0.25, 28,
                  "Your social security number", ssn, AL_LEFT);
        doc_field(d, L, d->y + 28, W, 28, "Home address (number and street)",
                  street, AL_LEFT);
        doc_field(d, L, d->y + 56, W, 28,
                  "City, town, or post office, state, and ZIP code", city,
                  AL_LEFT);
        d->y += 96;
        doc_font(d, F_SANS_B, 8.5);
        doc_put(d, L, d->y + 9, AL_LEFT, "Filing Status");
        doc_font(d, F_SANS, 8.5);
        doc_put(d, L + 80, d->y + 9, AL_LEFT,
                "[X] Single   [ ] Married filing jointly   [ ] Married filing "
                "separately   [ ] Head of household");
        d->y += 22;
        for (i = 0; i < G_N_ELEMENTS(lines); i++) {
                doc_font(d, F_SANS_B, 8.5);
                doc_put(d, L, d->y + 12, AL_LEFT, lines[i].no);
                doc_font(d, F_SANS, 8.5);
                doc_put_fit(d, L + 30, d->y + 12, AL_LEFT, lines[i].text,
                            W - 170);
                doc_box(d, L + W - 110, d->y + 1, 110, 16);
                doc_put(d, L + W - 130, d->y + 12, AL_LEFT, lines[i].no);
                if (lines[i].v >= 0) {
                        fmt_money(v, sizeof(v), lines[i].v * 100, 0);
                        doc_font(d, F_MONO, 9);
                        doc_put(d, L + W - 4, d->y + 12, AL_RIGHT, v);
                }
                d->y += 18;
        }
        d->y += 10;
        doc_font(d, F_SANS_B, 10);
        doc_put(d, L, d->y + 10, AL_LEFT, "Sign Here");
        doc_font(d, F_SANS, 7);
        doc_put(d, L + 70, d->y + 8, AL_LEFT,
                "Under penalties of perjury, I declare that I have examined "
                "this return and accompanying schedules and statements,");
        doc_put(d, L + 70, d->y + 17, AL_LEFT,
                "and to the best of my knowledge and belief, they are true, "
                "correct, and complete.");
        doc_put(d, L + 70, d->y + 36, AL_LEFT,
                "Your signature ______________________   Date __________   "
                "Your occupation ________________");
        d->y += 50;
}

/* The boxes of a 1099 or W-2: identities on the left, amounts on the right. */
static void tax_grid(struct doc *d, const struct taxform *tf,
                     const char *const *info, const long long *amt)
{
        double L = d->left, half = (d->w - d->left - d->right) / 2;
        double y = d->y, ya = d->y;
        char v[48];
        int i;

        for (i = 0; i < 6; i++) {
                doc_field(d, L, y, half, tf->info_h[i], tf->info[i], info[i],
                          AL_LEFT);
                y += tf->info_h[i];
        }
        for (i = 0; i < 10; i++) {
                v[0] = '\0';
                if (amt[i] > 0) {
                        char num[40];
                        fmt_money(num, sizeof(num), amt[i], 0);
                        bprintf(v, sizeof(v), "$ %s", num);
                }
                doc_field(d, L + half + (i % 2) * half / 2, ya, half / 2, 43.2,
                          tf->amounts[i], v, AL_RIGHT);
                ya += (i % 2) * 43.2;
        }
        d->y = (y > ya ? y : ya) + 12;
}


/* A European income tax return: the form's name and year in the title, the
 * taxpayer in labelled boxes, income lines with amounts. */
struct eu_tax {
        const char *name, *sub_fmt, *authority, *year_lab, *taxno_lab, *last,
            *first, *street, *city, *lines[5], *sign, *instructions;
};

static const struct eu_tax eu_tax[LANG_COUNT] = {
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, {NULL}, NULL,
     NULL},
    {"Einkommensteuererklärung", "Hauptvordruck ESt 1 A für %s",
     "An das Finanzamt", "Veranlagungszeitraum", "Steuernummer",
     "Name", "Vorname", "Straße und Hausnummer", "Postleitzahl, Wohnort",
     {"Einkünfte aus nichtselbständiger Arbeit", "Einkünfte aus "
      "Kapitalvermögen", "Sonderausgaben", "Werbungskosten",
      "Einbehaltene Lohnsteuer"},
     "Unterschrift", "Anleitung zur Einkommensteuererklärung"},
    {"Déclaration des revenus", "Formulaire n° 2042 - revenus de l'année %s",
     "Direction générale des finances publiques", "Année des revenus",
     "Numéro fiscal", "Nom", "Prénom", "Adresse", "Code postal, commune",
     {"Traitements et salaires", "Revenus de capitaux mobiliers",
      "Pensions alimentaires versées", "Frais réels",
      "Prélèvement à la source"},
     "Signature", "Notice explicative"},
    {"Aangifte inkomstenbelasting", "Aangifte over het belastingjaar %s",
     "Belastingdienst", "Belastingjaar", "Burgerservicenummer", "Achternaam",
     "Voornaam", "Straat en huisnummer", "Postcode en woonplaats",
     {"Loon uit dienstbetrekking", "Inkomsten uit sparen en beleggen",
      "Aftrekbare kosten", "Hypotheekrente", "Ingehouden loonheffing"},
     "Handtekening", "Toelichting bij de aangifte"},
    {"Declaración de la renta", "Modelo 100 - Ejercicio %s",
     "Agencia Tributaria", "Ejercicio", "NIF", "Apellidos", "Nombre",
     "Domicilio", "Código postal y municipio",
     {"Rendimientos del trabajo", "Rendimientos del capital mobiliario",
      "Aportaciones a planes de pensiones", "Gastos deducibles",
      "Retenciones e ingresos a cuenta"},
     "Firma", "Instrucciones para cumplimentar la declaración"}};

static int gen_tax_form_eu(struct job *j, const struct locale *lc)
{
        const struct eu_tax *tx = &eu_tax[lc->lang];
        struct rng *r = &j->rng;
        struct doc *d = &j->doc;
        struct party home;
        int year = j->year ? j->year : rng_int(r, 2019, 2024), i;
        struct date filed = {year + 1, rng_int(r, 2, 7), rng_int(r, 1, 28)};
        const char *first = PICK(r, first_names), *last = PICK(r, last_names);
        struct filler f = {&vocab_tax_l[lc->lang], mgmt_heads_l[lc->lang], 6,
                           HEAD_PLAIN, 1};
        char title[160], y[8], sub[160], taxno[32], v[64], name[96];
        double L, W;

        make_party(r, lc, &home, 0);
        bprintf(y, sizeof(y), "%d", year);
        bprintf(name, sizeof(name), "%s %s", first, last);
        tfill(sub, sizeof(sub), tx->sub_fmt, y, NULL);
        bprintf(title, sizeof(title), "%s %d", tx->name, year);
        bprintf(taxno, sizeof(taxno), "%02d/%03d/%05d", rng_int(r, 10, 99),
                rng_int(r, 100, 999), rng_int(r, 10000, 99999));
        if (job_open(j, A4_W, A4_H, filed, title) < 0)
                return -1;
        L = d->left;
        W = d->w - d->left - d->right;
        doc_font(d, F_SANS, 8);
        doc_put(d, L, d->y + 8, AL_LEFT, tx->authority);
        d->y += 16;
        doc_font(d, F_SANS_B, 16);
        doc_put(d, L, d->y + 16, AL_LEFT, title);
        d->y += 24;
        doc_font(d, F_SANS, 9);
        doc_put(d, L, d->y + 9, AL_LEFT, sub);
        d->y += 20;
        doc_field(d, L, d->y, W * 0.5, 28, tx->taxno_lab, taxno, AL_LEFT);
        doc_field(d, L + W * 0.5, d->y, W * 0.5, 28, tx->year_lab, y, AL_LEFT);
        d->y += 28;
        if (rng_chance(r, 50)) {
                doc_field(d, L, d->y, W * 0.5, 28, tx->last, last, AL_LEFT);
                doc_field(d, L + W * 0.5, d->y, W * 0.5, 28, tx->first, first,
                          AL_LEFT);
        } else {
                doc_field(d, L, d->y, W * 0.5, 28, tx->first, first, AL_LEFT);
                doc_field(d, L + W * 0.5, d->y, W * 0.5, 28, tx->last, last,
                          AL_LEFT);
        }
        d->y += 28;
        doc_field(d, L, d->y, W, 28, tx->street, home.street, AL_LEFT);
        d->y += 28;
        doc_field(d, L, d->y, W, 28, tx->city, home.city, AL_LEFT);
        d->y += 40;
        for (i = 0; i < 5; i++) {
                doc_font(d, F_SANS, 9);
                doc_putf(d, L, d->y + 12, AL_LEFT, "%d  %s", 10 + i * 2,
                         tx->lines[i]);
                doc_box(d, L + W - 120, d->y + 1, 120, 16);
                fmt_money_f(v, sizeof(v), rng_ll(r, 0, 90000) * 100, lc->num);
                doc_font(d, F_MONO, 9);
                doc_put(d, L + W - 4, d->y + 12, AL_RIGHT, v);
                d->y += 20;
        }
        d->y += 20;
        doc_font(d, F_SANS, 8);
        doc_putf(d, L, d->y + 8, AL_LEFT, "%s ______________________",
                 tx->sign);
        if (j->pages > d->page) {
                d->numbered = 1;
                bprintf(d->header, sizeof(d->header), "%s (%d)",
                        tx->instructions, year);
                doc_new_page(d);
                doc_heading(d, d->header, 15);
                doc_filler(d, r, &f, j->pages, 0, j->buf);
        }
        if (job_close(j) < 0)
                return -1;
        truth_str(&j->truth, "form", tx->name);
        truth_year(&j->truth, "tax_year", year);
        truth_str(&j->truth, "taxpayer", name);
        return 0;
}

static int gen_tax_form(struct job *j)
{
        static const char *const copies[] = {
            "Copy B - For Recipient",
            "Copy 2 - To be filed with recipient's state income tax return"};
        struct rng *r = &j->rng;
        const struct locale *lc;
        struct doc *d = &j->doc;
        int form, year, copy;
        const struct taxform *tf;
        const char *first, *last;
        struct party payer, home;
        struct date filed;
        struct filler f = {&vocab_tax, tax_heads, G_N_ELEMENTS(tax_heads),
                           HEAD_PLAIN, 1};
        char name[64], title[96], payer_s[256], tin[16], ssn[16], addr[160],
            acct[24], ctl[16];
        const char *info[6];
        long long amt[10] = {0};
        int i;

        /* Two in five are European returns, when no country is asked. */
        if (j->loc < 0 && rng_chance(r, 40))
                j->loc = rng_int(r, LOC_DE, LOC_CH);
        if (j->loc >= 0 && locales[j->loc].lang != LANG_EN) {
                lc = job_locale(j, 1);
                return gen_tax_form_eu(j, lc);
        }
        j->loc = LOC_US;
        lc = job_locale(j, 1);
        form = j->variant >= 0 ? j->variant % 3 : rng_int(r, 0, 2);
        tf = &taxforms[form];
        year = j->year ? j->year : rng_int(r, 2019, 2023);
        first = PICK(r, first_names);
        last = PICK(r, last_names);
        filed = (struct date){year + 1, rng_int(r, 1, 4), rng_int(r, 1, 28)};
        make_party(r, lc, &payer, 1);
        make_party(r, lc, &home, 0);
        bprintf(name, sizeof(name), "%s %s", first, last);
        bprintf(payer_s, sizeof(payer_s), "%s\n%s\n%s\n%s", payer.name,
                payer.street, payer.city, payer.phone);
        bprintf(tin, sizeof(tin), "%s", payer.vat + 4);
        bprintf(ssn, sizeof(ssn), "XXX-XX-%04d", rng_int(r, 1000, 9999));
        bprintf(addr, sizeof(addr), "%s\n%s", home.street, home.city);
        bprintf(acct, sizeof(acct), "%08d", rng_int(r, 1000000, 99999999));
        bprintf(ctl, sizeof(ctl), "%05d", rng_int(r, 1, 99999));
        if (form == 1) {
                const char *v[6] = {payer_s, tin, ssn, name, addr, acct};
                memcpy(info, v, sizeof(info));
                for (i = 0; i < 10; i++)
                        if (rng_chance(r, i == 2 ? 100 : 30))
                                amt[i] = rng_ll(r, 600, 60000) * 100 +
                                         rng_int(r, 0, 99);
                amt[3] = (amt[0] + amt[1] + amt[2]) * rng_int(r, 0, 24) / 100;
        } else if (form == 2) {
                const char *v[6] = {payer_s, tin, ssn, ctl, name, addr};
                memcpy(info, v, sizeof(info));
                amt[0] = rng_ll(r, 24000, 210000) * 100;
                amt[1] = amt[0] * rng_int(r, 8, 22) / 100;
                amt[2] = amt[0] < 16020000 ? amt[0] : 16020000;
                amt[3] = (amt[2] * 62 + 500) / 1000;
                amt[4] = amt[0];
                amt[5] = (amt[4] * 145 + 5000) / 10000;
                amt[8] = amt[0];
                amt[9] = amt[0] * rng_int(r, 3, 7) / 100;
        }
        bprintf(title, sizeof(title), "Form %s %s %d", tf->id, tf->title, year);
        if (job_open(j, LETTER_W, LETTER_H, filed, title) < 0)
                return -1;
        d->left = d->right = 40;
        d->top = 40;
        d->y = d->top;
        for (copy = 0; copy < (form == 0 ? 1 : 2); copy++) {
                if (copy > 0 && j->pages < 2)
                        break;
                if (copy > 0)
                        doc_new_page(d);
                tax_header(d, tf, year, form == 0 ? "" : copies[copy]);
                if (form == 0) {
                        tax_1040(d, r, year, first, last, home.street,
                                 home.city);
                        continue;
                }
                tax_grid(d, tf, info, amt);
                doc_body(d);
                doc_wrap(d,
                         "This is important tax information and is being "
                         "furnished to the IRS. If you are required to file "
                         "a return, a negligence penalty or other sanction "
                         "may be imposed on you if this income is taxable "
                         "and the IRS determines that it has not been "
                         "reported.",
                         d->left, d->w - 80, 13, 1);
                doc_font(d, F_SANS, 7);
                doc_putf(d, d->left, d->y + 14, AL_LEFT,
                         "Form %s (Rev. January %d)   www.irs.gov/Form%s   "
                         "Cat. No. %05dX",
                         tf->id, year, tf->id, rng_int(r, 10000, 99999));
                d->y += 24;
        }
        if (j->pages > d->page) {
                d->numbered = 1;
                bprintf(d->header, sizeof(d->header),
                        "Instructions for Form %s (%d)", tf->id, year);
                doc_new_page(d);
                doc_heading(d, d->header, 15);
                doc_filler(d, r, &f, j->pages, 0, j->buf);
        }
        if (job_close(j) < 0)
                return -1;
        truth_str(&j->truth, "form", tf->id);
        truth_year(&j->truth, "tax_year", year);
        truth_str(&j->truth, "taxpayer", name);
        return 0;
}
/* ---- other documents: letters, minutes, orders, delivery notes, quotes ---- */

/* A business letter: letterhead, address, place and date, subject, text. */
static void other_letter(struct job *j, const struct locale *lc,
                         const struct other_text *tx, const struct party *a,
                         const struct party *b, const char *date_s,
                         int minutes)
{
        struct rng *r = &j->rng;
        struct doc *d = &j->doc;
        const char *addr[3] = {b->name, b->street, b->city};
        int i, n;

        doc_font(d, F_SANS_B, 15);
        doc_accent(d);
        doc_put(d, d->left, d->y + 15, AL_LEFT, a->name);
        doc_gray(d, 0);
        doc_font(d, F_SANS, 8);
        doc_putf(d, d->left, d->y + 30, AL_LEFT, "%s, %s - %s - www.%s",
                 a->street, a->city, a->phone, a->domain);
        d->y = 130;
        if (minutes) {
                doc_font(d, F_SANS_B, 14);
                doc_putf(d, d->left, d->y + 14, AL_LEFT, "%s", tx->minutes);
                d->y += 24;
                doc_font(d, F_SANS, 10);
                doc_putf(d, d->left, d->y + 10, AL_LEFT, "%s %s", tx->date,
                         date_s);
                d->y += 16;
                doc_putf(d, d->left, d->y + 10, AL_LEFT, "%s %s, %s, %s",
                         tx->present, a->person, b->person, PICK(r, last_names));
                d->y += 24;
                doc_heading(d, tx->agenda, 12);
        } else {
                doc_font(d, F_SANS, 10);
                doc_lines(d, d->left, addr, 3, 13);
                d->y += 20;
                doc_put(d, d->w - d->right, d->y + 10, AL_RIGHT, date_s);
                d->y += 30;
                doc_font(d, F_SANS_B, 10.5);
                doc_putf(d, d->left, d->y + 10, AL_LEFT, "%s %s", tx->subject,
                         tx->letter_subjects[rng_int(r, 0, 2)]);
                d->y += 26;
        }
        n = rng_int(r, 2, 4);
        for (i = 0; i < n; i++) {
                g_string_printf(j->buf, "%s ",
                                i == 0 && !minutes && rng_chance(r, 40)
                                    ? x_letter_invoice[lc->lang]
                                    : letter_body[lc->lang][i]);
                vocab_sentence(r, &vocab_fin_l[lc->lang], j->buf);
                doc_para(d, j->buf->str);
        }
        if (!minutes) {
                d->y += 10;
                doc_para(d, tx->regards);
                d->y += 16;
                doc_para(d, a->person);
        }
}

/* An order, a delivery note or a quotation: numbered, dated, items. */
static int other_items(struct job *j, const struct locale *lc,
                       const struct other_text *tx, const struct party *a,
                       const struct party *b, const char *date_s, int kind,
                       const struct money *m, long long *total)
{
        struct rng *r = &j->rng;
        struct doc *d = &j->doc;
        const char *title = kind == 0 ? tx->po : kind == 1 ? tx->delivery
                                                           : tx->quote;
        const char *nolab = kind == 0 ? tx->po_no : kind == 1 ? tx->dn_no
                                                              : tx->quote_no;
        struct col cols[4] = {{tx->qty, 0.1, 1},
                              {tx->desc, 0.54, 0},
                              {tx->price, 0.18, 1},
                              {tx->amount, 0.18, 1}};
        struct table t = {cols, kind == 1 ? 2 : 4, d->left,
                          d->w - d->left - d->right, 9, 15, F_SANS, 1};
        const char *addr[3] = {b->name, b->street, b->city};
        const char *k[2], *v[2];
        char no[32], q[16], p[48], am[48], line[160];
        int i, n = rng_int(r, 2, 8);

        *total = 0;
        if (kind == 1) { /* quantities and descriptions only */
                cols[0].frac = 0.15;
                cols[1].frac = 0.85;
        }
        bprintf(no, sizeof(no), "%s-%d", kind == 0 ? "PO" : kind == 1 ? "DN"
                                                                      : "Q",
                rng_int(r, 10000, 99999));
        doc_font(d, F_SANS_B, 15);
        doc_accent(d);
        doc_put(d, d->left, d->y + 15, AL_LEFT, a->name);
        doc_gray(d, 0);
        doc_font(d, F_SANS_B, 18);
        doc_put(d, d->w - d->right, d->y + 15, AL_RIGHT, title);
        doc_font(d, F_SANS, 8);
        doc_putf(d, d->left, d->y + 30, AL_LEFT, "%s, %s - %s", a->street,
                 a->city, a->vat);
        d->y = 130;
        doc_font(d, F_SANS, 10);
        doc_lines(d, d->left, addr, 3, 13);
        d->y = 130;
        k[0] = job_label(j, nolab);
        v[0] = no;
        k[1] = job_label(j, tx->date);
        v[1] = date_s;
        doc_kv(d, d->w - d->right - 200, k, v, 2, F_SANS, 9);
        d->y = 230;
        table_header(d, &t);
        for (i = 0; i < n; i++) {
                const struct product *pr = &PICK(r, products);
                int qty = rng_int(r, 1, pr->maxqty);
                long long unit = rng_ll(r, pr->lo, pr->hi) * 100;
                const char *row[4] = {q, pr->name[lc->lang], p, am};
                bprintf(q, sizeof(q), "%d", qty);
                fmt_money_f(p, sizeof(p), unit, m->num);
                fmt_money_f(am, sizeof(am), unit * qty, m->num);
                *total += unit * qty;
                table_row(d, &t, row, 0);
        }
        if (kind != 1) {
                d->y += 8;
                money_fmt(am, sizeof(am), *total, m);
                doc_font(d, F_SANS_B, 10);
                doc_put(d, d->w - d->right - 230, d->y + 10, AL_LEFT,
                        job_label(j, tx->total));
                doc_put(d, d->w - d->right - 4, d->y + 10, AL_RIGHT, am);
                d->y += 24;
        }
        if (kind == 2) {
                char valid[48];
                struct date until = date_add((struct date){2024, 1, 1},
                                             rng_int(r, 0, 700));
                fmt_date_l(valid, sizeof(valid), until, lc->short_date,
                           lc->lang);
                tfill(line, sizeof(line), tx->valid_fmt, valid, NULL);
                doc_font(d, F_SANS, 9);
                doc_put(d, d->left, d->y + 9, AL_LEFT, line);
                d->y += 16;
        }
        return kind != 1;
}

static int gen_other(struct job *j)
{
        struct rng *r = &j->rng;
        const struct locale *lc = job_locale(j, 1);
        const struct other_text *tx = &other_text[lc->lang];
        struct party a, b;
        struct money m;
        int kind = j->variant >= 0 ? j->variant % 5 : rng_int(r, 0, 4);
        int year = j->year ? j->year : rng_int(r, 2021, 2025), priced = 0;
        struct date dt = date_random(r, year);
        char date_s[48];
        long long total = 0;

        j->upper = rng_chance(r, 20);
        j->colon = rng_chance(r, 60);
        job_money(j, lc, &m);
        make_party(r, lc, &a, 1);
        make_party(r, lc, &b, rng_chance(r, 70));
        fmt_date_l(date_s, sizeof(date_s), dt, job_datefmt(j, lc), lc->lang);
        if (job_open(j, lc->page_w, lc->page_h, dt, a.name) < 0)
                return -1;
        if (kind <= 1)
                other_letter(j, lc, tx, &a, &b, date_s, kind == 1);
        else
                priced = other_items(j, lc, tx, &a, &b, date_s, kind - 2, &m,
                                     &total);
        if (job_close(j) < 0)
                return -1;
        truth_date(&j->truth, "date", dt);
        if (priced) {
                truth_amount(&j->truth, "total", total);
                truth_str(&j->truth, "currency", m.code);
        }
        return 0;
}
/* ---- document types, commands ---- */

struct doctype {
        const char *name; /* the class, as the pipeline names it */
        int (*gen)(struct job *j);
        int min_pages, max_pages; /* corpus range */
        int weight;               /* corpus share, percent */
};

static const struct doctype doctypes[] = {
    {"invoice", gen_invoice, 1, 2, 21},
    {"receipt", gen_receipt, 1, 2, 11},
    {"bank_statement", gen_bank_statement, 1, 5, 12},
    {"annual_report", gen_annual_report, 12, 50, 11},
    {"financial_report", gen_financial_report, 5, 45, 13},
    {"contract", gen_contract, 3, 40, 14},
    {"tax_form", gen_tax_form, 1, 4, 9},
    {"other", gen_other, 1, 1, 9}};

static const struct doctype *doctype_find(const char *name)
{
        size_t i;

        for (i = 0; i < G_N_ELEMENTS(doctypes); i++)
                if (strcmp(doctypes[i].name, name) == 0)
                        return &doctypes[i];
        return NULL;
}

/*
 * Generates one document of type dt into pdf and its ground truth beside it
 * (pdf with ".json" for ".pdf"). pages 0 picks from the type's range.
 * Returns the page count, or -1 after reporting the error.
 */
static int job_run(const struct fonts *fonts, const struct doctype *dt,
                   const char *pdf, uint64_t seed, int pages, int loc,
                   int variant, int year)
{
        struct job j;
        char *json = NULL;
        size_t n = strlen(pdf);
        int rc = -1;

        memset(&j, 0, sizeof(j));
        j.rng.s = seed;
        j.fonts = fonts;
        j.path = pdf;
        j.loc = loc;
        j.variant = variant;
        j.year = year;
        j.pages =
            pages > 0 ? pages : rng_int(&j.rng, dt->min_pages, dt->max_pages);
        j.truth.type = dt->name;
        j.truth.language = "en";
        j.truth.fields = g_string_new(NULL);
        j.buf = g_string_sized_new(1024);
        if (dt->gen(&j) < 0)
                goto out;
        if (n > 4 && strcmp(pdf + n - 4, ".pdf") == 0)
                json = g_strdup_printf("%.*s.json", (int)(n - 4), pdf);
        else
                json = g_strdup_printf("%s.json", pdf);
        if (truth_write(&j.truth, json) < 0)
                goto out;
        rc = j.truth.pages;
out:
        g_free(json);
        g_string_free(j.truth.fields, TRUE);
        g_string_free(j.buf, TRUE);
        return rc;
}

static int fonts_init(struct fonts *f)
{
        static const char *const family[3] = {"DejaVu Sans", "DejaVu Serif",
                                              "DejaVu Sans Mono"};
        cairo_surface_t *s =
            cairo_pdf_surface_create_for_stream(NULL, NULL, 100, 100);
        cairo_t *cr = cairo_create(s);
        int i, c, rc = 0;

        for (i = 0; i < F_COUNT; i++) {
                f->face[i] = cairo_toy_font_face_create(
                    family[i / 2], CAIRO_FONT_SLANT_NORMAL,
                    i % 2 ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
                cairo_set_font_face(cr, f->face[i]);
                cairo_set_font_size(cr, 100);
                for (c = 0; c < 128; c++) {
                        char str[2] = {(char)c, '\0'};
                        cairo_text_extents_t te;
                        f->adv[i][c] = 0;
                        if (c < 32 || c == 127)
                                continue;
                        cairo_text_extents(cr, str, &te);
                        f->adv[i][c] = te.x_advance / 100;
                }
        }
        if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
                fprintf(stderr, "docgen: fonts: %s\n",
                        cairo_status_to_string(cairo_status(cr)));
                rc = -1;
        }
        cairo_destroy(cr);
        cairo_surface_destroy(s);
        return rc;
}

static void fonts_cleanup(struct fonts *f)
{
        int i;

        for (i = 0; i < F_COUNT; i++)
                cairo_font_face_destroy(f->face[i]);
}

/* The demo set: every class, each invoice layout and currency, German too. */
static int run_samples(const struct fonts *fonts, const char *dir)
{
        static const struct {
                const char *name, *type;
                int loc, variant, pages, year;
        } set[] = {
            {"invoice_de_classic", "invoice", LOC_DE, 0, 1, 2024},
            {"invoice_us_modern", "invoice", LOC_US, 1, 1, 2024},
            {"invoice_gb_compact", "invoice", LOC_GB, 2, 1, 2024},
            {"invoice_nl_header_row", "invoice", LOC_NL, 3, 1, 2024},
            {"invoice_fr_letter", "invoice", LOC_FR, 4, 1, 2024},
            {"receipt", "receipt", LOC_US, -1, 1, 2024},
            {"bank_statement", "bank_statement", LOC_GB, -1, 2, 2024},
            {"annual_report", "annual_report", LOC_US, -1, 8, 2023},
            {"financial_report", "financial_report", LOC_US, -1, 5, 2024},
            {"contract", "contract", LOC_GB, -1, 5, 2024},
            {"tax_form", "tax_form", LOC_US, 0, 1, 2023},
            {"tax_form_1099", "tax_form", LOC_US, 1, 2, 2023},
            {"quotation_es", "other", LOC_ES, 4, 1, 2024}};
        size_t i;

        for (i = 0; i < G_N_ELEMENTS(set); i++) {
                char *pdf = g_strdup_printf("%s/%s.pdf", dir, set[i].name);
                int rc = job_run(fonts, doctype_find(set[i].type), pdf,
                                 DOCGEN_SAMPLE_SEED + i * 7919, set[i].pages,
                                 set[i].loc, set[i].variant, set[i].year);
                g_free(pdf);
                if (rc < 0)
                        return -1;
        }
        return (int)i;
}

/* n documents doc-00001.pdf ...; each has its own seed drawn from seed. */
static int run_corpus(const struct fonts *fonts, const char *dir, long n,
                      uint64_t seed)
{
        struct rng master = {seed};
        long i;

        for (i = 0; i < n; i++) {
                uint64_t s = rng_next(&master);
                struct rng pick = {s ^ 0x5eedull};
                int w = rng_int(&pick, 0, 99), rc;
                size_t t = 0;
                char *pdf;

                while (t + 1 < G_N_ELEMENTS(doctypes) &&
                       w >= doctypes[t].weight) {
                        w -= doctypes[t].weight;
                        t++;
                }
                pdf = g_strdup_printf("%s/doc-%05ld.pdf", dir, i + 1);
                rc = job_run(fonts, &doctypes[t], pdf, s, 0, -1, -1, 0);
                g_free(pdf);
                if (rc < 0)
                        return -1;
        }
        return (int)n;
}

static int usage_to(FILE *f, int rc)
{
        fputs("usage: docgen samples OUTDIR\n"
              "       docgen corpus OUTDIR N [SEED]\n"
              "       docgen one TYPE OUTFILE [SEED] [PAGES]\n"
              "TYPE: invoice receipt bank_statement annual_report "
              "financial_report contract tax_form other\n"
              "Writes NAME.pdf and beside it NAME.json, the ground truth: "
              "type, language,\nfields (as schemas/fields/TYPE.json), "
              "pages.\n",
              f);
        return rc;
}

static int usage(void)
{
        return usage_to(stderr, 2);
}

/* A whole decimal number in [lo, hi], or -1. */
static long long parse_num(const char *s, long long lo, long long hi)
{
        char *end;
        long long v;

        errno = 0;
        v = strtoll(s, &end, 0);
        if (errno || end == s || *end || v < lo || v > hi)
                return -1;
        return v;
}

int main(int argc, char **argv)
{
        struct fonts fonts;
        const char *where;
        int n = -1;

        if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
                          strcmp(argv[1], "-h") == 0))
                return usage_to(stdout, 0);
        if (argc < 3)
                return usage();
        if (strcmp(argv[1], "one") == 0) {
                const struct doctype *dt =
                    argc >= 4 ? doctype_find(argv[2]) : NULL;
                long long seed =
                    argc >= 5 ? parse_num(argv[4], 0, LLONG_MAX) : 1;
                long long pages =
                    argc >= 6 ? parse_num(argv[5], 1, DOCGEN_MAX_PAGES) : 0;
                if (!dt || argc > 6 || seed < 0 || pages < 0)
                        return usage();
                where = argv[3];
                if (fonts_init(&fonts) == 0)
                        n = job_run(&fonts, dt, where, (uint64_t)seed,
                                    (int)pages, -1, -1, 0) < 0
                                ? -1
                                : 1;
        } else {
                int corpus = strcmp(argv[1], "corpus") == 0;
                long long count = corpus && argc >= 4
                                      ? parse_num(argv[3], 1, DOCGEN_MAX_DOCS)
                                      : 0;
                long long seed =
                    corpus && argc >= 5 ? parse_num(argv[4], 0, LLONG_MAX) : 1;
                if (corpus ? (argc < 4 || argc > 5 || count < 1 || seed < 0)
                           : (strcmp(argv[1], "samples") != 0 || argc != 3))
                        return usage();
                where = argv[2];
                if (g_mkdir_with_parents(where, 0755) < 0) {
                        fprintf(stderr, "docgen: %s: %s\n", where,
                                strerror(errno));
                        return 1;
                }
                if (fonts_init(&fonts) == 0)
                        n = corpus ? run_corpus(&fonts, where, (long)count,
                                                (uint64_t)seed)
                                   : run_samples(&fonts, where);
        }
        fonts_cleanup(&fonts);
        cairo_debug_reset_static_data();
        if (n < 0)
                return 1;
        fprintf(stderr, "docgen: wrote %d document%s to %s\n", n,
                n == 1 ? "" : "s", where);
        return 0;
}
