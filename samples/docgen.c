/*
 * docgen: synthetic financial documents for docpipe's demo, tests and
 * benchmarks.
 *
 * It draws invoices, receipts, bank statements, annual and quarterly
 * reports, services agreements and tax forms as PDFs on cairo's PDF surface,
 * as real text in the DejaVu fonts so that Poppler extracts it, and writes
 * beside each NAME.pdf a NAME.json with the ground truth: the class, the
 * language, the normalized fields that schemas/fields/CLASS.json describes
 * and the number of pages. Everything comes from a seeded splitmix64
 * generator and the PDF dates are fixed, so a seed gives the same bytes.
 * Paragraph text fills a document up to the page count asked for; a count
 * below what a type's fixed parts need (an annual report needs 6) comes out
 * longer, and "pages" always records the real count.
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

/* ---- dates (proleptic Gregorian, days since 1970-01-01) ---- */

struct date {
        int y, m, d;
};

enum datefmt { DF_ISO, DF_DE, DF_US, DF_GB, DF_NL, DF_LONG_US, DF_LONG_GB };

static const char *const month_names[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

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

static void fmt_date(char *buf, size_t n, struct date dt, enum datefmt f)
{
        const char *mon = month_names[dt.m - 1];

        switch (f) {
        case DF_ISO:
                bprintf(buf, n, "%04d-%02d-%02d", dt.y, dt.m, dt.d);
                break;
        case DF_DE:
                bprintf(buf, n, "%02d.%02d.%04d", dt.d, dt.m, dt.y);
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
        case DF_LONG_US:
                bprintf(buf, n, "%s %d, %d", mon, dt.d, dt.y);
                break;
        case DF_LONG_GB:
                bprintf(buf, n, "%d %s %d", dt.d, mon, dt.y);
                break;
        }
}

/* ---- amounts: always integers (cents, or whole units in statements) ---- */

static void group_digits(char *out, size_t n, unsigned long long v, char sep)
{
        char digits[32];
        size_t len, i, o = 0;

        bprintf(digits, sizeof(digits), "%llu", v);
        len = strlen(digits);
        for (i = 0; i < len && o + 2 < n; i++) {
                if (i > 0 && (len - i) % 3 == 0)
                        out[o++] = sep;
                out[o++] = digits[i];
        }
        out[o] = '\0';
}

/* "1,234.56", or "1.234,56" when german; a minus sign when negative. */
static void fmt_money(char *buf, size_t n, long long cents, int german)
{
        unsigned long long a = cents < 0 ? 0ull - (unsigned long long)cents
                                         : (unsigned long long)cents;
        char whole[48];

        group_digits(whole, sizeof(whole), a / 100, german ? '.' : ',');
        bprintf(buf, n, "%s%s%c%02llu", cents < 0 ? "-" : "", whole,
                german ? ',' : '.', a % 100);
}

/* Whole units as statements print them: "48,123,456", "(1,234)". */
static void fmt_units(char *buf, size_t n, long long units)
{
        unsigned long long a = units < 0 ? 0ull - (unsigned long long)units
                                         : (unsigned long long)units;
        char whole[48];

        group_digits(whole, sizeof(whole), a, ',');
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

/* A rate in basis points as people write it: "20", "8.25". */
static void fmt_rate(char *buf, size_t n, int bp, int german)
{
        if (bp % 100 == 0)
                bprintf(buf, n, "%d", bp / 100);
        else
                bprintf(buf, n, "%d%c%02d", bp / 100, german ? ',' : '.',
                        bp % 100);
}

/* ---- countries: language, currency, formats, names ---- */

enum loc { LOC_US, LOC_GB, LOC_DE, LOC_NL, LOC_COUNT };

struct locale {
        enum loc id;
        const char *currency, *symbol; /* ISO 4217, and as printed */
        int german;                    /* German text, 1.234,56, 12.03.2024 */
        int tax_bp;                    /* VAT or sales tax, basis points */
        enum datefmt short_date, long_date;
        double page_w, page_h;
        const char *tld;
        const char *law;      /* governing law, normalized */
        const char *law_text; /* the same as a contract words it */
        const char *courts, *incorporated;
};

static const struct locale locales[LOC_COUNT] = {
    {LOC_US, "USD", "$", 0, 825, DF_US, DF_LONG_US, LETTER_W, LETTER_H, "com",
     "New York", "the laws of the State of New York",
     "the state and federal courts located in New York County, New York",
     "a Delaware corporation"},
    {LOC_GB, "GBP", "£", 0, 2000, DF_GB, DF_LONG_GB, A4_W, A4_H, "co.uk",
     "England and Wales", "the laws of England and Wales",
     "the courts of England and Wales",
     "a company registered in England and Wales"},
    {LOC_DE, "EUR", "€", 1, 1900, DF_DE, DF_LONG_GB, A4_W, A4_H, "de",
     "Germany", "the laws of the Federal Republic of Germany",
     "the courts of Frankfurt am Main",
     "a company organised under the laws of Germany"},
    {LOC_NL, "EUR", "€", 0, 2100, DF_NL, DF_LONG_GB, A4_W, A4_H, "nl",
     "Netherlands", "the laws of the Netherlands",
     "the competent courts of Amsterdam",
     "a company organised under the laws of the Netherlands"}};

/* Per locale: legal forms of companies, streets, postcode and town. */
static const char *const loc_suffix[LOC_COUNT][3] = {
    {"Inc.", "LLC", "Corp."},
    {"Ltd", "plc", "LLP"},
    {"GmbH", "AG", "GmbH & Co. KG"},
    {"B.V.", "N.V.", "B.V."}};
static const char *const loc_streets[LOC_COUNT][5] = {
    {"Madison Avenue", "Market Street", "Congress Avenue", "Wacker Drive",
     "Boylston Street"},
    {"Old Street", "King Street", "Victoria Road", "Queen Street", "Park Row"},
    {"Friedrichstraße", "Hauptstraße", "Schillerstraße", "Industriestraße",
     "Am Sandtorkai"},
    {"Keizersgracht", "Herengracht", "Coolsingel", "Stationsplein",
     "Gustav Mahlerlaan"}};
static const char *const loc_cities[LOC_COUNT][5] = {
    {"New York, NY 10017", "San Francisco, CA 94105", "Austin, TX 78701",
     "Chicago, IL 60606", "Boston, MA 02116"},
    {"London EC1V 9HL", "Manchester M2 4WU", "Bristol BS1 6AA", "Leeds LS1 4DY",
     "Edinburgh EH2 4AD"},
    {"10117 Berlin", "80331 München", "20457 Hamburg", "50667 Köln",
     "60311 Frankfurt am Main"},
    {"1017 EG Amsterdam", "3011 AD Rotterdam", "3511 LX Utrecht",
     "2511 CV Den Haag", "5611 AZ Eindhoven"}};

static const char *const name_stems[] = {
    "Northwind", "Bluepeak",  "Hartmann",   "Aldridge",    "Vantage",
    "Kestrel",   "Meridian",  "Ostwald",    "Brightwater", "Calloway",
    "Fenwick",   "Lindqvist", "Harborview", "Summit",      "Ironbridge",
    "Redwood",   "Crescent",  "Granite",    "Silverline",  "Westbrook",
    "Elmhurst",  "Corvid",    "Halden",     "Pinecrest"};
static const char *const name_kinds[] = {
    "Logistics",   "Software",  "Consulting",    "Industries", "Systems",
    "Trading",     "Analytics", "Manufacturing", "Energy",     "Foods",
    "Engineering", "Capital",   "Health",        "Media",      "Materials"};
static const char *const first_names[] = {
    "James", "Emma",   "Oliver", "Sophia",  "Lukas", "Anna",  "Daniel",
    "Mia",   "Thomas", "Laura",  "Michael", "Sarah", "Jan",   "Eva",
    "David", "Hannah", "Robert", "Julia",   "Peter", "Claire"};
static const char *const last_names[] = {
    "Smith",    "Müller", "Johnson", "Schneider", "Williams",
    "de Vries", "Brown",  "Fischer", "Taylor",    "Jansen",
    "Wilson",   "Becker", "Clarke",  "Visser",    "Walker",
    "Hoffmann", "Wright", "Bakker",  "Turner",    "Wagner"};
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
        bprintf(buf, n, "%s %s %s", PICK(r, name_stems), PICK(r, name_kinds),
                loc_suffix[lc->id][rng_int(r, 0, 2)]);
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
        if (lc->id == LOC_DE || lc->id == LOC_NL)
                bprintf(p->street, sizeof(p->street), "%s %d", street, num);
        else
                bprintf(p->street, sizeof(p->street), "%d %s", num, street);
        bprintf(p->city, sizeof(p->city), "%s", PICK(r, loc_cities[lc->id]));
        switch (lc->id) {
        case LOC_US:
                bprintf(p->vat, sizeof(p->vat), "EIN %02d-%07d",
                        rng_int(r, 10, 99), rng_int(r, 0, 9999999));
                bprintf(p->phone, sizeof(p->phone), "+1 (%d) 555-%04d",
                        rng_int(r, 201, 989), rng_int(r, 100, 199));
                break;
        case LOC_GB:
                bprintf(p->vat, sizeof(p->vat), "GB %03d %04d %02d",
                        rng_int(r, 100, 999), rng_int(r, 0, 9999),
                        rng_int(r, 0, 99));
                bprintf(p->phone, sizeof(p->phone), "+44 20 7946 %04d",
                        rng_int(r, 0, 9999));
                break;
        case LOC_DE:
                bprintf(p->vat, sizeof(p->vat), "DE%09d",
                        rng_int(r, 100000000, 999999999));
                bprintf(p->phone, sizeof(p->phone), "+49 30 %07d",
                        rng_int(r, 1000000, 9999999));
                break;
        case LOC_NL:
        case LOC_COUNT:
                bprintf(p->vat, sizeof(p->vat), "NL%09dB01",
                        rng_int(r, 100000000, 999999999));
                bprintf(p->phone, sizeof(p->phone), "+31 20 %03d %04d",
                        rng_int(r, 100, 999), rng_int(r, 0, 9999));
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
        const char *cc = id == LOC_GB ? "GB" : id == LOC_NL ? "NL" : "DE";
        char bban[40], check[48];
        unsigned rem = 0;
        size_t i;

        if (id == LOC_GB) {
                const char *bank = PICK(r, gb_banks);
                bprintf(bban, sizeof(bban), "%s%06d%08d", bank,
                        rng_int(r, 100000, 999999),
                        rng_int(r, 10000000, 99999999));
                bprintf(bic, bn, "%sGB2L", bank);
        } else if (id == LOC_NL) {
                const char *bank = PICK(r, nl_banks);
                bprintf(bban, sizeof(bban), "%s%010lld", bank,
                        rng_ll(r, 100000000LL, 9999999999LL));
                bprintf(bic, bn, "%sNL2A", bank);
        } else {
                bprintf(bban, sizeof(bban), "%08d%010lld",
                        rng_int(r, 10000000, 89999999),
                        rng_ll(r, 100000000LL, 9999999999LL));
                bprintf(bic, bn, "%s", PICK(r, de_bics));
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

/* An amount with its currency as the locale prints it: "£1,481.47". */
static void fmt_cur(char *buf, size_t n, long long cents,
                    const struct locale *lc)
{
        char num[48];

        fmt_money(num, sizeof(num), cents, lc->german);
        if (lc->german)
                bprintf(buf, n, "%s %s", num, lc->symbol);
        else
                bprintf(buf, n, "%s%s", lc->symbol, num);
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

static const struct vocab vocab_fin =
    VOCAB(fin_subj, fin_verb, fin_obj, fin_qual, fin_tmpl);
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
};

static const struct locale *job_locale(struct job *j, int allow_us)
{
        if (j->loc < 0 || (!allow_us && j->loc == LOC_US))
                j->loc = rng_int(&j->rng, allow_us ? 0 : 1, LOC_COUNT - 1);
        return &locales[j->loc];
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

/* ---- invoice ---- */

struct inv_text {
        const char *title, *number, *date, *due, *custno, *terms, *bill_to;
        const char *cols[5];
        const char *subtotal, *total, *bank, *vat_id, *thanks, *currency;
};

static const struct inv_text inv_en = {
    "INVOICE",
    "Invoice No.",
    "Invoice date",
    "Due date",
    "Customer No.",
    "Payment terms",
    "Bill to",
    {"#", "Description", "Qty", "Unit price", "Amount"},
    "Subtotal",
    "Total",
    "Bank details",
    "VAT ID",
    "Thank you for your business.",
    "All amounts in"};
static const struct inv_text inv_de = {
    "RECHNUNG",
    "Rechnungsnummer",
    "Rechnungsdatum",
    "Fällig am",
    "Kundennummer",
    "Zahlungsbedingungen",
    "Rechnungsempfänger",
    {"Pos.", "Beschreibung", "Menge", "Einzelpreis", "Betrag"},
    "Zwischensumme",
    "Gesamtbetrag",
    "Bankverbindung",
    "USt-IdNr.",
    "Vielen Dank für Ihren Auftrag.",
    "Alle Beträge in"};

static const struct product {
        const char *en, *de;
        int lo, hi, maxqty; /* unit price range in whole units */
} products[] = {
    {"Consulting services, senior consultant (hours)",
     "Beratung Senior Consultant (Std.)", 120, 220, 60},
    {"Software licence, annual subscription",
     "Softwarelizenz, Jahresabonnement", 400, 4800, 5},
    {"Cloud hosting, standard plan (monthly)",
     "Cloud-Hosting, Standardtarif (monatlich)", 49, 890, 12},
    {"On-site installation and configuration",
     "Installation und Konfiguration vor Ort", 350, 2400, 3},
    {"Technical support package, 10 hours", "Supportpaket Technik, 10 Stunden",
     600, 1500, 4},
    {"Steel fasteners M8 x 40, box of 100", "Stahlschrauben M8 x 40, 100 Stück",
     12, 40, 40},
    {"Office chair, ergonomic model", "Bürostuhl, ergonomisches Modell", 180,
     520, 12},
    {"Training workshop, per participant", "Schulung, pro Teilnehmer", 250, 900,
     15},
    {"Freight and packaging", "Fracht und Verpackung", 25, 300, 1},
    {"Data migration services (hours)", "Datenmigration (Std.)", 95, 180, 40},
    {"Laser printer toner cartridge", "Tonerkartusche Laserdrucker", 45, 160,
     20},
    {"Annual maintenance contract", "Jährlicher Wartungsvertrag", 900, 6000, 1},
    {"UX design sprint (days)", "UX-Design-Sprint (Tage)", 800, 1600, 10},
    {"Network switch 24-port, managed", "Netzwerk-Switch 24 Port", 280, 1200,
     8},
    {"Translation services (per 1,000 words)", "Übersetzung (je 1.000 Wörter)",
     90, 220, 30},
    {"Audit preparation support", "Unterstützung Abschlussprüfung", 1500, 7000,
     1}};

struct item {
        const char *desc;
        int qty;
        long long unit, amount; /* cents */
};

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
        const struct inv_text *tx = lc->german ? &inv_de : &inv_en;
        struct doc *d = &j->doc;
        struct party v, c;
        struct item items[DOCGEN_MAX_ITEMS];
        struct col cols[5];
        struct table t;
        char number[32], issue_s[32], due_s[32], custno[16], terms_s[64];
        char rate[16], tax_label[48], bank_line[160], iban[40], bic[16];
        char sub_s[48], tax_s[48], total_s[48], cells[3][48], pos[8],
            pos_line[320];
        const char *meta_k[5], *meta_v[5];
        int layout = j->variant >= 0 ? j->variant % 3 : rng_int(r, 0, 2);
        int year = j->year ? j->year : rng_int(r, 2022, 2024);
        int terms = PICK(r, terms_days), nitems, i;
        long long subtotal = 0, tax, total;
        double L, R, x0;
        enum font base = layout == 2 ? F_MONO : F_SANS;
        struct date issue = date_random(r, year), due = date_add(issue, terms);

        make_party(r, lc, &v, 1);
        make_party(r, lc, &c, rng_chance(r, 85));
        nitems = j->pages > 1 ? rng_int(r, 40, 50) : rng_int(r, 2, 9);
        for (i = 0; i < nitems; i++) {
                const struct product *p = &PICK(r, products);
                items[i].desc = lc->german ? p->de : p->en;
                items[i].qty = rng_int(r, 1, p->maxqty);
                items[i].unit = rng_ll(r, p->lo, p->hi) * 100 +
                                (rng_chance(r, 50) ? 0 : rng_int(r, 0, 99));
                items[i].amount = items[i].unit * items[i].qty;
                subtotal += items[i].amount;
        }
        tax = (subtotal * lc->tax_bp + 5000) / 10000;
        total = subtotal + tax;
        bprintf(number, sizeof(number), "%s-%d-%04d", lc->german ? "RE" : "INV",
                year, rng_int(r, 1, 2999));
        fmt_date(issue_s, sizeof(issue_s), issue, lc->short_date);
        fmt_date(due_s, sizeof(due_s), due, lc->short_date);
        bprintf(custno, sizeof(custno), "C-%05d", rng_int(r, 10000, 99999));
        if (lc->german)
                bprintf(terms_s, sizeof(terms_s), "%d Tage netto", terms);
        else
                bprintf(terms_s, sizeof(terms_s), "Net %d days", terms);
        fmt_rate(rate, sizeof(rate), lc->tax_bp, lc->german);
        if (lc->german)
                bprintf(tax_label, sizeof(tax_label), "USt. %s %%", rate);
        else if (lc->id == LOC_US)
                bprintf(tax_label, sizeof(tax_label), "Sales tax (%s%%)", rate);
        else
                bprintf(tax_label, sizeof(tax_label), "VAT %s%%", rate);
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
        fmt_money(sub_s, sizeof(sub_s), subtotal, lc->german);
        fmt_money(tax_s, sizeof(tax_s), tax, lc->german);
        fmt_cur(total_s, sizeof(total_s), total, lc);

        if (job_open(j, lc->page_w, lc->page_h, issue, number) < 0)
                return -1;
        L = d->left;
        R = d->w - d->right;
        meta_k[0] = tx->number, meta_v[0] = number;
        meta_k[1] = tx->date, meta_v[1] = issue_s;
        meta_k[2] = tx->due, meta_v[2] = due_s;
        meta_k[3] = tx->custno, meta_v[3] = custno;
        meta_k[4] = tx->terms, meta_v[4] = terms_s;
        {
                const char *vaddr[4] = {v.street, v.city, v.phone, v.vat};
                const char *caddr[3] = {c.name, c.street, c.city};
                double ytop;

                if (layout == 0) { /* classic: letterhead, two blocks */
                        doc_font(d, F_SERIF_B, 18);
                        doc_accent(d);
                        doc_put(d, L, d->y + 18, AL_LEFT, v.name);
                        doc_font(d, F_SANS_B, 22);
                        doc_put(d, R, d->y + 18, AL_RIGHT, tx->title);
                        doc_gray(d, 0);
                        d->y += 30;
                        doc_font(d, F_SANS, 9);
                        doc_lines(d, L, vaddr, 4, 12);
                        d->y = 170;
                        doc_font(d, F_SANS_B, 9);
                        doc_put(d, L, d->y + 9, AL_LEFT, tx->bill_to);
                        d->y += 14;
                        doc_font(d, F_SANS, 10);
                        doc_lines(d, L, caddr, 3, 13);
                        d->y = 170;
                        doc_kv(d, R - 215, meta_k, meta_v, 5, F_SANS, 9);
                        d->y = 275;
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
                        doc_put(d, 24, d->y + 8, AL_LEFT, tx->bill_to);
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
                        doc_put(d, x0, d->y + 26, AL_LEFT, "Invoice");
                        doc_gray(d, 0);
                        d->y += 44;
                        doc_kv(d, x0, meta_k, meta_v, 5, F_SANS, 9);
                        d->y += 30;
                } else { /* compact: monospaced, one column */
                        doc_font(d, F_MONO_B, 12);
                        doc_put(d, L, d->y + 12, AL_LEFT, v.name);
                        doc_put(d, R, d->y + 12, AL_RIGHT, tx->title);
                        d->y += 18;
                        doc_font(d, F_MONO, 8);
                        doc_putf(d, L, d->y + 8, AL_LEFT, "%s, %s | %s | %s",
                                 v.street, v.city, v.phone, v.vat);
                        d->y += 14;
                        doc_rule(d, L, R, d->y, 0.8);
                        d->y += 6;
                        ytop = d->y;
                        doc_kv(d, L, meta_k, meta_v, 5, F_MONO, 8.5);
                        d->y = ytop;
                        doc_font(d, F_MONO_B, 8.5);
                        doc_put(d, L + 290, d->y + 8.5, AL_LEFT, tx->bill_to);
                        d->y += 13;
                        doc_font(d, F_MONO, 8.5);
                        doc_lines(d, L + 290, caddr, 3, 12);
                        d->y = ytop + 90;
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
                fmt_money(cells[1], sizeof(cells[1]), items[i].unit,
                          lc->german);
                fmt_money(cells[2], sizeof(cells[2]), items[i].amount,
                          lc->german);
                table_row(d, &t, row, 0);
        }
        doc_rule(d, x0, R, d->y, 0.6);
        d->y += 6;
        doc_need(d, 64 + 90);
        {
                const char *lab[3] = {tx->subtotal, tax_label, tx->total};
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
        g_string_printf(j->buf,
                        lc->german ? "%s %s. Zahlbar bis %s ohne Abzug. Bitte "
                                     "geben Sie %s als Verwendungszweck an."
                                   : "%s %s. Payment due by %s; please quote "
                                     "%s with your payment.",
                        tx->currency, lc->currency, due_s, number);
        doc_wrap(d, j->buf->str, x0, R - x0, 12, 1);
        doc_put(d, x0, d->y + 8.5, AL_LEFT, tx->thanks);
        doc_need(d, 40);
        d->y = d->h - d->bottom - 34;
        doc_rule(d, x0, R, d->y, 0.4);
        doc_font(d, base, 7);
        bprintf(pos_line, sizeof(pos_line),
                "%s - %s, %s - www.%s - accounts@%s", v.name, v.street, v.city,
                v.domain, v.domain);
        doc_put_fit(d, x0, d->y + 12, AL_LEFT, pos_line, R - x0);
        bprintf(pos_line, sizeof(pos_line), "%s: %s - %s: %s", tx->bank,
                bank_line, tx->vat_id, v.vat);
        doc_put_fit(d, x0, d->y + 22, AL_LEFT, pos_line, R - x0);
        if (job_close(j) < 0)
                return -1;

        j->truth.language = lc->german ? "de" : "en";
        truth_str(&j->truth, "invoice_number", number);
        truth_date(&j->truth, "issue_date", issue);
        truth_date(&j->truth, "due_date", due);
        truth_amount(&j->truth, "total", total);
        truth_amount(&j->truth, "subtotal", subtotal);
        truth_amount(&j->truth, "tax", tax);
        truth_str(&j->truth, "currency", lc->currency);
        truth_str(&j->truth, "vendor", v.name);
        truth_str(&j->truth, "customer", c.name);
        return 0;
}

/* ---- receipt ---- */

static const char *const merchants[] = {
    "Green Basket Market",  "Harborview Hardware",    "Copper Kettle Cafe",
    "Northside Pharmacy",   "Bright Office Supplies", "Maple Street Books",
    "FreshWay Supermarket", "Urban Fuel Station"};

static const struct {
        const char *name;
        int lo, hi; /* cents */
} receipt_items[] = {{"Whole milk 1L", 89, 189},
                     {"Sourdough bread", 249, 549},
                     {"Bananas 1kg", 99, 249},
                     {"Coffee beans 500g", 599, 1499},
                     {"AA batteries 4pk", 399, 899},
                     {"Notebook A5", 199, 699},
                     {"Dish soap 500ml", 149, 399},
                     {"Olive oil 750ml", 599, 1299},
                     {"Cheddar cheese 200g", 249, 499},
                     {"Paper towels 6pk", 499, 999},
                     {"Greek yogurt 500g", 179, 399},
                     {"Orange juice 1L", 199, 449},
                     {"Pasta 500g", 99, 299},
                     {"Tomatoes 1kg", 199, 499},
                     {"Sparkling water 6x1L", 299, 699},
                     {"Printer paper 500 sh", 549, 1199},
                     {"Cappuccino large", 329, 499},
                     {"Ibuprofen 200mg 24ct", 399, 899}};

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
                                            "DEBIT CARD"};
        struct rng *r = &j->rng;
        const struct locale *lc = job_locale(j, 1);
        struct doc *d = &j->doc;
        struct party store;
        const char *merchant = PICK(r, merchants), *card = PICK(r, cards);
        int n = j->pages > 1 ? rng_int(r, 50, 60) : rng_int(r, 3, 14);
        int year = j->year ? j->year : rng_int(r, 2022, 2024);
        int qty[DOCGEN_MAX_ITEMS], idx[DOCGEN_MAX_ITEMS], i, lines = n;
        int hh = rng_int(r, 8, 20), mm = rng_int(r, 0, 59);
        long long price[DOCGEN_MAX_ITEMS], sum = 0, tax, total;
        struct date dt = date_random(r, year);
        char date_s[32], a[48], b[48], rate[16];
        double w = 226.77; /* 80 mm till roll */

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
        fmt_date(date_s, sizeof(date_s), dt, lc->short_date);
        if (job_open(j, w, j->pages > 1 ? 620 : 330 + lines * 11.2, dt,
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
                doc_putf(d, w / 2, d->y + 7.5, AL_CENTER, "VAT No. %s",
                         store.vat);
                d->y += 10;
        }
        d->y += 6;
        doc_putf(d, d->left, d->y + 7.5, AL_LEFT,
                 "Store %04d  Reg %02d  Trans %05d", rng_int(r, 1, 9999),
                 rng_int(r, 1, 12), rng_int(r, 1, 99999));
        d->y += 10;
        doc_putf(d, d->left, d->y + 7.5, AL_LEFT, "%s %02d:%02d", date_s, hh,
                 mm);
        doc_putf(d, w - d->right, d->y + 7.5, AL_RIGHT, "Cashier: %s",
                 PICK(r, first_names));
        d->y += 14;
        doc_rule(d, d->left, w - d->right, d->y, 0.5);
        d->y += 4;
        for (i = 0; i < n; i++) {
                fmt_money(a, sizeof(a), price[i] * qty[i], lc->german);
                receipt_line(d, receipt_items[idx[i]].name, a, 0);
                if (qty[i] > 1) {
                        fmt_money(b, sizeof(b), price[i], lc->german);
                        bprintf(a, sizeof(a), "  %d x %s", qty[i], b);
                        receipt_line(d, a, NULL, 0);
                }
        }
        doc_need(d, 150);
        doc_rule(d, d->left, w - d->right, d->y + 2, 0.5);
        d->y += 6;
        fmt_rate(rate, sizeof(rate), lc->tax_bp, lc->german);
        if (lc->id == LOC_US) {
                fmt_money(a, sizeof(a), sum, 0);
                receipt_line(d, "SUBTOTAL", a, 0);
                fmt_money(a, sizeof(a), tax, 0);
                bprintf(b, sizeof(b), "SALES TAX %s%%", rate);
                receipt_line(d, b, a, 0);
        }
        fmt_money(a, sizeof(a), total, lc->german);
        bprintf(b, sizeof(b), "TOTAL %s", lc->currency);
        receipt_line(d, b, a, 1);
        if (lc->id != LOC_US) {
                fmt_money(a, sizeof(a), tax, lc->german);
                bprintf(b, sizeof(b), "incl. VAT %s%%", rate);
                receipt_line(d, b, a, 0);
        }
        d->y += 6;
        fmt_money(a, sizeof(a), total, lc->german);
        bprintf(b, sizeof(b), "%s **** %04d", card, rng_int(r, 0, 9999));
        receipt_line(d, b, a, 0);
        bprintf(b, sizeof(b), "Contactless  AUTH CODE %06X",
                (unsigned)rng_int(r, 0, 0xFFFFFF));
        receipt_line(d, b, NULL, 0);
        receipt_line(d, "APPROVED - CARDHOLDER COPY", NULL, 0);
        bprintf(b, sizeof(b), "Items sold: %d", n);
        receipt_line(d, b, NULL, 0);
        d->y += 8;
        doc_font(d, F_MONO, 7.5);
        doc_put(d, w / 2, d->y + 7.5, AL_CENTER,
                "Thank you for shopping with us!");
        doc_put(d, w / 2, d->y + 18, AL_CENTER, store.domain);
        if (job_close(j) < 0)
                return -1;
        truth_str(&j->truth, "merchant", merchant);
        truth_date(&j->truth, "date", dt);
        truth_amount(&j->truth, "total", total);
        truth_str(&j->truth, "currency", lc->currency);
        return 0;
}

/* ---- bank statement ---- */

static const struct txkind {
        const char *text;
        int arg;    /* 0 none, 1 company, 2 person, 3 merchant */
        int credit; /* money in */
        int lo, hi; /* whole units */
} txkinds[] = {{"SEPA credit transfer", 1, 1, 100, 2500},
               {"Salary", 1, 1, 1500, 4200},
               {"Transfer from", 2, 1, 20, 600},
               {"Card payment", 3, 0, 3, 240},
               {"Card payment", 3, 0, 3, 240},
               {"Card payment", 3, 0, 3, 240},
               {"Direct debit", 1, 0, 15, 900},
               {"Direct debit", 1, 0, 15, 900},
               {"Standing order Rent", 0, 0, 650, 2200},
               {"ATM withdrawal", 0, 0, 20, 400},
               {"Transfer to", 2, 0, 20, 1200},
               {"Interest credit", 0, 1, 1, 40},
               {"Account maintenance fee", 0, 0, 3, 15}};

static const char *const bank_names[] = {
    "Harbour Savings Bank", "Northbridge Bank",  "First Meridian Bank",
    "Kestrel Direct Bank",  "Rhine Valley Bank", "Lowlands Commercial Bank"};

static int cmp_int(const void *a, const void *b)
{
        int x = *(const int *)a, y = *(const int *)b;

        return (x > y) - (x < y);
}

static int gen_bank_statement(struct job *j)
{
        static const struct col cols[5] = {{"Date", 0.13, 0},
                                           {"Description", 0.45, 0},
                                           {"Paid out", 0.14, 1},
                                           {"Paid in", 0.14, 1},
                                           {"Balance", 0.14, 1}};
        struct rng *r = &j->rng;
        const struct locale *lc = job_locale(j, 0);
        struct doc *d = &j->doc;
        struct party bank, holder;
        const char *bank_name = PICK(r, bank_names);
        int year = j->year ? j->year : rng_int(r, 2022, 2024);
        int month = rng_int(r, 1, 12), days[DOCGEN_MAX_TX], kind[DOCGEN_MAX_TX];
        int ntx, i;
        long long amount[DOCGEN_MAX_TX], opening, closing, in = 0, out = 0, bal;
        char who[DOCGEN_MAX_TX][64];
        char iban[40], bic[16], spaced[48], from_s[32], to_s[32], a[48], b[48],
            c[48], period[80], desc[128], date_s[32];
        struct date start = {year, month, 1}, end = date_month_end(year, month);
        struct table t = {cols, 5, 0, 0, 8, 13, F_SANS, 1};

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
        fmt_date(from_s, sizeof(from_s), start, lc->short_date);
        fmt_date(to_s, sizeof(to_s), end, lc->short_date);
        bprintf(period, sizeof(period), "%s - %s", from_s, to_s);

        if (job_open(j, lc->page_w, lc->page_h, date_add(end, 2), bank_name) <
            0)
                return -1;
        d->numbered = 1;
        bprintf(d->header, sizeof(d->header),
                "%s - Account statement - IBAN %s", bank_name, spaced);
        t.x = d->left;
        t.width = d->w - d->left - d->right;
        doc_font(d, F_SANS_B, 16);
        doc_accent(d);
        doc_put(d, d->left, d->y + 16, AL_LEFT, bank_name);
        doc_gray(d, 0);
        doc_font(d, F_SANS_B, 14);
        doc_put(d, d->w - d->right, d->y + 16, AL_RIGHT, "Account Statement");
        d->y += 24;
        doc_font(d, F_SANS, 8);
        doc_putf(d, d->left, d->y + 8, AL_LEFT, "%s, %s - %s", bank.street,
                 bank.city, bank.phone);
        doc_putf(d, d->w - d->right, d->y + 8, AL_RIGHT,
                 "Statement no. %d / %d", month, year);
        d->y = 120;
        {
                const char *addr[3] = {holder.name, holder.street, holder.city};
                const char *k[6] = {
                    "Account holder",   "IBAN",          "BIC", "Currency",
                    "Statement period", "Statement date"};
                const char *v[6] = {holder.name,  spaced, bic,
                                    lc->currency, period, date_s};
                fmt_date(date_s, sizeof(date_s), date_add(end, 2),
                         lc->short_date);
                doc_font(d, F_SANS, 10);
                doc_lines(d, d->left, addr, 3, 13);
                d->y = 120;
                doc_kv(d, d->w - d->right - 250, k, v, 6, F_SANS, 8.5);
        }
        d->y += 18;
        {
                const char *k[4] = {"Opening balance on", "Total paid in",
                                    "Total paid out", "Closing balance on"};
                long long v[4] = {opening, in, out, closing};
                doc_gray(d, 0.93);
                doc_fill(d, d->left, d->y, t.width, 64);
                doc_gray(d, 0);
                d->y += 4;
                for (i = 0; i < 4; i++) {
                        doc_font(d, i == 3 ? F_SANS_B : F_SANS, 9);
                        doc_putf(d, d->left + 8, d->y + 10, AL_LEFT, "%s%s%s",
                                 k[i], i == 0 || i == 3 ? " " : "",
                                 i == 0   ? from_s
                                 : i == 3 ? to_s
                                          : "");
                        fmt_money(a, sizeof(a), v[i], 0);
                        doc_putf(d, d->left + 330, d->y + 10, AL_RIGHT, "%s %s",
                                 lc->currency, a);
                        d->y += 14;
                }
                d->y += 16;
        }
        table_header(d, &t);
        fmt_money(c, sizeof(c), opening, 0);
        {
                const char *row[5] = {from_s, "Balance brought forward", NULL,
                                      NULL, c};
                table_row(d, &t, row, 1);
        }
        bal = opening;
        for (i = 0; i < ntx; i++) {
                const struct txkind *k = &txkinds[kind[i]];
                struct date td = {year, month, days[i]};
                const char *row[5] = {date_s, desc, NULL, NULL, c};
                bal += amount[i];
                fmt_date(date_s, sizeof(date_s), td, lc->short_date);
                bprintf(desc, sizeof(desc), "%s%s%s", k->text,
                        who[i][0] ? " " : "", who[i]);
                fmt_money(a, sizeof(a), amount[i] < 0 ? -amount[i] : amount[i],
                          0);
                fmt_money(c, sizeof(c), bal, 0);
                row[amount[i] < 0 ? 2 : 3] = a;
                table_row(d, &t, row, 0);
        }
        fmt_money(c, sizeof(c), closing, 0);
        {
                const char *row[5] = {to_s, "Balance carried forward", NULL,
                                      NULL, c};
                table_row(d, &t, row, 1);
        }
        d->y += 16;
        doc_font(d, F_SANS, 7.5);
        bprintf(b, sizeof(b), "%s", bank_name);
        g_string_printf(j->buf,
                        "Please examine this statement carefully and tell us "
                        "about any discrepancy within 30 days. Eligible "
                        "deposits with %s are protected up to %s 100,000 per "
                        "depositor by the national deposit guarantee scheme. "
                        "BIC %s.",
                        b, lc->currency, bic);
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

/*
 * A statement on a fresh page: title, subtitle, then one table row per line
 * with one column per entry of vals (struct income or struct balance, all
 * of the same kind as lines). A non-NULL grand renames the FS_GRAND rows.
 */
static void fs_page(struct doc *d, const char *title, const char *sub,
                    const struct col *cols, int ncols,
                    const struct fsline *lines, size_t n,
                    const void *const *vals, const char *grand)
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
                char label[96], v[4][32];
                const char *cells[5] = {label, NULL, NULL, NULL, NULL};

                bprintf(label, sizeof(label), "%s%s",
                        l->style == FS_ITEM ? "    " : "",
                        grand && l->style == FS_GRAND ? grand : l->label);
                for (c = 0; l->style != FS_HEAD && c < ncols - 1 && c < 4;
                     c++) {
                        const char *base = (const char *)vals[c];
                        long long x;
                        memcpy(&x, base + l->off, sizeof(x));
                        fmt_units(v[c], sizeof(v[c]), x * l->sign);
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

/* "2,135.1" for 2,135,075,815 units. */
static void fmt_millions(char *buf, size_t n, long long units)
{
        long long m10 = (units + 50000) / 100000;
        char whole[32];

        group_digits(whole, sizeof(whole), (unsigned long long)(m10 / 10), ',');
        bprintf(buf, n, "%s.%lld", whole, m10 % 10);
}

/* Fills the pages between the fixed parts: a management report or MD&A,
 * the statements, then the notes, so that the document ends on page
 * target. */
static void report_body(struct job *j, const char *mgmt_title,
                        const char *notes_title, int target,
                        const struct fsline *is_lines, size_t nis,
                        const char *is_title, const char *is_sub,
                        const struct col *is_cols, int is_ncols,
                        const void *const *is_vals, const char *grand,
                        const char *bs_title, const char *bs_sub,
                        const struct col *bs_cols, const void *const *bs_vals)
{
        struct doc *d = &j->doc;
        int spare = target - d->page - 2, mgmt = spare > 1 ? spare / 2 : 0;
        struct filler mg = {&vocab_fin, mgmt_heads, G_N_ELEMENTS(mgmt_heads),
                            HEAD_PLAIN, 1};
        struct filler nt = {&vocab_fin, note_heads, G_N_ELEMENTS(note_heads),
                            HEAD_NOTE, 1};

        if (mgmt > 0) {
                int until = d->page + mgmt;
                doc_new_page(d);
                doc_heading(d, mgmt_title, 16);
                doc_filler(d, &j->rng, &mg, until, 0, j->buf);
        }
        doc_new_page(d);
        fs_page(d, is_title, is_sub, is_cols, is_ncols, is_lines, nis, is_vals,
                grand);
        doc_new_page(d);
        fs_page(d, bs_title, bs_sub, bs_cols, 3, balance_lines,
                G_N_ELEMENTS(balance_lines), bs_vals, NULL);
        doc_new_page(d);
        doc_heading(d, notes_title, 16);
        doc_filler(d, &j->rng, &nt, target > d->page ? target : d->page, 0,
                   j->buf);
}

static const char *const taglines[] = {
    "Building resilient value", "Delivering sustainable growth",
    "Engineering the next decade", "Focused on what matters",
    "Connecting markets, creating value"};

static int gen_annual_report(struct job *j)
{
        struct rng *r = &j->rng;
        const struct locale *lc = job_locale(j, 1);
        struct doc *d = &j->doc;
        struct party co;
        struct income cur, prev;
        struct balance bcur, bprev;
        int year = j->year ? j->year : rng_int(r, 2019, 2024), i, growth;
        long long revenue =
            rng_ll(r, 20, 4800) * 1000000 + rng_ll(r, 0, 999999);
        long long shares = rng_ll(r, 10, 500) * 1000000, employees;
        struct date fy_end = {year, 12, 31}, published = {year + 1, 3, 1};
        char title[160], y0[8], y1[8], sub[128], ceo[64], a[48], b[48], m1[32],
            m2[32];
        struct col is_cols[3] = {{"", 0.6, 0}, {y0, 0.2, 1}, {y1, 0.2, 1}};
        const void *is_vals[2] = {&cur, &prev}, *bs_vals[2] = {&bcur, &bprev};

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
        bprintf(title, sizeof(title), "%s Annual Report %d", co.name, year);
        if (job_open(j, lc->page_w, lc->page_h, published, title) < 0)
                return -1;
        d->numbered = 1;
        bprintf(d->header, sizeof(d->header), "%s - Annual Report %d", co.name,
                year);

        /* cover */
        doc_accent(d);
        doc_fill(d, 0, 0, d->w, 300);
        doc_gray(d, 1);
        doc_font(d, F_SANS_B, 24);
        doc_put(d, d->left, 120, AL_LEFT, co.name);
        doc_font(d, F_SANS, 34);
        doc_putf(d, d->left, 185, AL_LEFT, "Annual Report %d", year);
        doc_font(d, F_SERIF, 13);
        doc_put(d, d->left, 225, AL_LEFT, PICK(r, taglines));
        doc_gray(d, 0);
        doc_font(d, F_SANS, 11);
        fmt_date(a, sizeof(a), fy_end, lc->long_date);
        doc_putf(d, d->left, 350, AL_LEFT, "For the financial year ended %s",
                 a);
        doc_font(d, F_SANS, 9);
        doc_putf(d, d->left, d->h - 90, AL_LEFT, "%s, %s, %s", co.name,
                 co.street, co.city);
        doc_putf(d, d->left, d->h - 78, AL_LEFT, "www.%s", co.domain);

        /* contents and highlights */
        doc_new_page(d);
        doc_heading(d, "Contents", 16);
        {
                static const char *const toc[] = {
                    "Financial highlights",
                    "Letter to Shareholders",
                    "Management Report",
                    "Consolidated Income Statement",
                    "Consolidated Balance Sheet",
                    "Notes to the Consolidated Financial Statements"};
                doc_font(d, F_SANS, 10);
                for (i = 0; i < (int)G_N_ELEMENTS(toc); i++) {
                        doc_put(d, d->left, d->y + 10, AL_LEFT, toc[i]);
                        d->y += 16;
                }
        }
        d->y += 20;
        doc_heading(d, "Financial highlights", 14);
        {
                static const struct col hcols[3] = {
                    {"", 0.6, 0}, {NULL, 0.2, 1}, {NULL, 0.2, 1}};
                struct col hc[3] = {hcols[0], hcols[1], hcols[2]};
                struct table t = {hc,  3,  d->left, d->w - d->left - d->right,
                                  9.5, 17, F_SANS,  1};
                const char *labels[5] = {"Revenue", "Gross profit",
                                         "Operating profit", "Net income",
                                         "Total assets"};
                long long vc[5] = {cur.revenue, cur.gross, cur.operating,
                                   cur.net, bcur.assets};
                long long vp[5] = {prev.revenue, prev.gross, prev.operating,
                                   prev.net, bprev.assets};
                char lab[64];
                const char *row[3] = {lab, a, b};

                hc[0].title = lc->currency;
                hc[1].title = y0;
                hc[2].title = y1;
                table_header(d, &t);
                for (i = 0; i < 5; i++) {
                        bprintf(lab, sizeof(lab), "%s", labels[i]);
                        fmt_units(a, sizeof(a), vc[i]);
                        fmt_units(b, sizeof(b), vp[i]);
                        table_row(d, &t, row, i == 3);
                }
                bprintf(lab, sizeof(lab), "Earnings per share (%s)",
                        lc->currency);
                fmt_money(a, sizeof(a), cur.net * 100 / shares, 0);
                fmt_money(b, sizeof(b), prev.net * 100 / shares, 0);
                table_row(d, &t, row, 0);
                bprintf(lab, sizeof(lab), "Employees at year end");
                fmt_units(a, sizeof(a), employees);
                fmt_units(b, sizeof(b), employees * 100 / rng_int(r, 95, 110));
                table_row(d, &t, row, 0);
        }

        /* letter */
        doc_new_page(d);
        doc_heading(d, "Letter to Shareholders", 16);
        doc_para(d, "Dear Shareholders,");
        fmt_millions(m1, sizeof(m1), cur.revenue);
        fmt_millions(m2, sizeof(m2), cur.net);
        g_string_printf(j->buf,
                        "%d was a year of %s for %s. Revenue %s by %d.%d%% to "
                        "%s %s million, and net income reached %s %s million. "
                        "The Board proposes a dividend in line with our "
                        "policy of distributing between 30 and 50 percent of "
                        "net income.",
                        year, growth >= 0 ? "progress" : "transition", co.name,
                        growth >= 0 ? "increased" : "decreased",
                        abs(growth) / 10, abs(growth) % 10, lc->currency, m1,
                        lc->currency, m2);
        doc_para(d, j->buf->str);
        for (i = 0; i < 4; i++) {
                vocab_paragraph(r, &vocab_fin, j->buf, 3, 5);
                doc_para(d, j->buf->str);
        }
        doc_para(d, "Yours sincerely,");
        d->y += 10;
        doc_para(d, ceo);
        doc_para(d, "Chief Executive Officer");

        fmt_date(a, sizeof(a), fy_end, lc->long_date);
        bprintf(sub, sizeof(sub), "For the year ended %s (in %s)", a,
                lc->currency);
        {
                char bs_sub[128];
                fmt_date(b, sizeof(b), fy_end, lc->long_date);
                bprintf(bs_sub, sizeof(bs_sub), "As at %s (in %s)", b,
                        lc->currency);
                report_body(j, "Management Report",
                            "Notes to the Consolidated Financial Statements",
                            j->pages, income_lines, G_N_ELEMENTS(income_lines),
                            "Consolidated Income Statement", sub, is_cols, 3,
                            is_vals, "Net income for the year",
                            "Consolidated Balance Sheet", bs_sub, is_cols,
                            bs_vals);
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
        static const char *const nth[] = {"first", "second", "third"};
        static const char *const mon3[] = {"Mar", "Jun", "Sep"};
        struct rng *r = &j->rng;
        const struct locale *lc = job_locale(j, 1);
        struct doc *d = &j->doc;
        struct party co;
        struct income inc[4]; /* quarter, prior-year quarter, YTD, prior YTD */
        struct balance bcur, bprev;
        int year = j->year ? j->year : rng_int(r, 2019, 2024);
        int q = rng_int(r, 1, 3), i, ncols = q > 1 ? 5 : 3;
        long long rq = rng_ll(r, 5, 1200) * 1000000 + rng_ll(r, 0, 999999);
        long long rp = rq * 10000 / (10000 + rng_int(r, -800, 1800));
        long long ytd = rq, ytdp = rp;
        struct date pend = date_month_end(year, q * 3);
        char title[160], pend_s[32], t0[16], t1[16], t2[16], t3[16], sub[128],
            bs_sub[128], b0[16], b1[16], a[48], b[48], c[48];
        struct col is_cols[5] = {{"", 0.44, 0},
                                 {t0, 0.14, 1},
                                 {t1, 0.14, 1},
                                 {t2, 0.14, 1},
                                 {t3, 0.14, 1}};
        struct col bs_cols[3] = {{"", 0.6, 0}, {b0, 0.2, 1}, {b1, 0.2, 1}};
        const void *is_vals[4] = {&inc[0], &inc[1], &inc[2], &inc[3]};
        const void *bs_vals[2] = {&bcur, &bprev};

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
        fmt_date(pend_s, sizeof(pend_s), pend, lc->long_date);
        bprintf(t0, sizeof(t0), "Q%d %d", q, year);
        bprintf(t1, sizeof(t1), "Q%d %d", q, year - 1);
        bprintf(t2, sizeof(t2), "YTD %d", year);
        bprintf(t3, sizeof(t3), "YTD %d", year - 1);
        bprintf(b0, sizeof(b0), "%s %d, %d", mon3[q - 1], pend.d, year);
        bprintf(b1, sizeof(b1), "Dec 31, %d", year - 1);
        bprintf(title, sizeof(title), "%s Quarterly Report Q%d %d", co.name, q,
                year);
        if (job_open(j, lc->page_w, lc->page_h, date_add(pend, 30), title) < 0)
                return -1;
        d->numbered = 1;
        bprintf(d->header, sizeof(d->header),
                "%s - Quarterly Report for the quarter ended %s", co.name,
                pend_s);

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
        doc_put(d, d->left, d->y + 24, AL_LEFT, "Quarterly Report");
        doc_gray(d, 0);
        d->y += 34;
        doc_font(d, F_SANS, 11);
        doc_putf(d, d->left, d->y + 11, AL_LEFT,
                 "For the quarter ended %s (unaudited)", pend_s);
        d->y += 22;
        if (lc->id == LOC_US) {
                doc_font(d, F_SANS, 8.5);
                doc_putf(d, d->left, d->y + 9, AL_LEFT,
                         "Commission File Number 001-%05d - %s - %s, %s",
                         rng_int(r, 10000, 99999), co.vat, co.street, co.city);
                d->y += 16;
        }
        doc_heading(d, "Highlights", 13);
        fmt_units(a, sizeof(a), inc[0].revenue);
        fmt_units(b, sizeof(b), inc[1].revenue);
        fmt_units(c, sizeof(c), inc[0].net);
        g_string_printf(j->buf,
                        "Revenue for the %s quarter of %d was %s %s, compared "
                        "with %s %s in the same quarter of the prior year. Net "
                        "income for the quarter amounted to %s %s. ",
                        nth[q - 1], year, lc->currency, a, lc->currency, b,
                        lc->currency, c);
        vocab_sentence(r, &vocab_fin, j->buf);
        vocab_sentence(r, &vocab_fin, j->buf);
        doc_para(d, j->buf->str);
        vocab_paragraph(r, &vocab_fin, j->buf, 3, 6);
        doc_para(d, j->buf->str);
        bprintf(sub, sizeof(sub), "Three months%s ended %s (unaudited, in %s)",
                q > 1 ? " and year to date" : "", pend_s, lc->currency);
        bprintf(bs_sub, sizeof(bs_sub), "(unaudited, in %s)", lc->currency);
        report_body(j, "Management's Discussion and Analysis",
                    "Notes to the Condensed Consolidated Financial Statements",
                    j->pages, income_lines, G_N_ELEMENTS(income_lines),
                    "Condensed Consolidated Statement of Income", sub, is_cols,
                    ncols, is_vals, "Net income for the period",
                    "Condensed Consolidated Balance Sheet", bs_sub, bs_cols,
                    bs_vals);
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

static int gen_contract(struct job *j)
{
        static const char *const titles[] = {
            "Services Agreement", "Master Services Agreement",
            "Consulting Services Agreement",
            "Software Development Services Agreement",
            "IT Support Services Agreement"};
        static const char *const services[] = {"IT infrastructure management",
                                               "software development",
                                               "financial advisory",
                                               "payroll processing",
                                               "data analytics",
                                               "facility management",
                                               "cloud hosting and support"};
        static const int terms[] = {12, 24, 36}, pays[] = {30, 45, 60};
        struct rng *r = &j->rng;
        const struct locale *lc = job_locale(j, 1);
        struct doc *d = &j->doc;
        struct party cl, pv;
        const char *title = PICK(r, titles), *svc = PICK(r, services);
        int term = PICK(r, terms), pay = PICK(r, pays), i;
        int year = j->year ? j->year : rng_int(r, 2021, 2024);
        struct date eff = date_random(r, year);
        struct filler f = {&vocab_law, clause_heads, G_N_ELEMENTS(clause_heads),
                           HEAD_CLAUSE, 4};
        char eff_s[32], fee[48], head[64];
        const struct party *sig[2] = {&cl, &pv};

        make_party(r, lc, &cl, 1);
        make_party(r, lc, &pv, 1);
        fmt_date(eff_s, sizeof(eff_s), eff, lc->long_date);
        fmt_money(fee, sizeof(fee), rng_ll(r, 4, 120) * 50000, 0);
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
        d->y += 16;
        for (i = 0; i < 2; i++) {
                double x = d->left + i * (d->w - d->left - d->right) / 2,
                       y = d->y;
                doc_font(d, F_SERIF, 9.5);
                doc_put(d, x, y + 10, AL_LEFT, "For and on behalf of");
                doc_font(d, F_SERIF_B, 10);
                doc_put(d, x, y + 24, AL_LEFT, sig[i]->name);
                doc_font(d, F_SERIF, 9.5);
                doc_put(d, x, y + 58, AL_LEFT,
                        "By: ____________________________");
                doc_putf(d, x, y + 76, AL_LEFT, "Name: %s", sig[i]->person);
                doc_putf(d, x, y + 92, AL_LEFT, "Title: %s", sig[i]->title);
                doc_put(d, x, y + 108, AL_LEFT, "Date: __________________");
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

static int gen_tax_form(struct job *j)
{
        static const char *const copies[] = {
            "Copy B - For Recipient",
            "Copy 2 - To be filed with recipient's state income tax return"};
        struct rng *r = &j->rng;
        const struct locale *lc = &locales[LOC_US];
        struct doc *d = &j->doc;
        int form = j->variant >= 0 ? j->variant % 3 : rng_int(r, 0, 2);
        const struct taxform *tf = &taxforms[form];
        int year = j->year ? j->year : rng_int(r, 2019, 2023), copy;
        const char *first = PICK(r, first_names), *last = PICK(r, last_names);
        struct party payer, home;
        struct date filed = {year + 1, rng_int(r, 1, 4), rng_int(r, 1, 28)};
        struct filler f = {&vocab_tax, tax_heads, G_N_ELEMENTS(tax_heads),
                           HEAD_PLAIN, 1};
        char name[64], title[96], payer_s[256], tin[16], ssn[16], addr[160],
            acct[24], ctl[16];
        const char *info[6];
        long long amt[10] = {0};
        int i;

        j->loc = LOC_US;
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

/* ---- document types, commands ---- */

struct doctype {
        const char *name; /* the class, as the pipeline names it */
        int (*gen)(struct job *j);
        int min_pages, max_pages; /* corpus range */
        int weight;               /* corpus share, percent */
};

static const struct doctype doctypes[] = {
    {"invoice", gen_invoice, 1, 2, 22},
    {"receipt", gen_receipt, 1, 2, 12},
    {"bank_statement", gen_bank_statement, 1, 5, 14},
    {"annual_report", gen_annual_report, 12, 50, 12},
    {"financial_report", gen_financial_report, 5, 45, 14},
    {"contract", gen_contract, 3, 40, 16},
    {"tax_form", gen_tax_form, 1, 4, 10}};

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
            {"receipt", "receipt", LOC_US, -1, 1, 2024},
            {"bank_statement", "bank_statement", LOC_GB, -1, 2, 2024},
            {"annual_report", "annual_report", LOC_US, -1, 8, 2023},
            {"financial_report", "financial_report", LOC_US, -1, 5, 2024},
            {"contract", "contract", LOC_GB, -1, 5, 2024},
            {"tax_form", "tax_form", LOC_US, 0, 1, 2023},
            {"tax_form_1099", "tax_form", LOC_US, 1, 2, 2023}};
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

static int usage(void)
{
        fputs("usage: docgen samples OUTDIR\n"
              "       docgen corpus OUTDIR N [SEED]\n"
              "       docgen one TYPE OUTFILE [SEED] [PAGES]\n"
              "TYPE: invoice receipt bank_statement annual_report "
              "financial_report contract tax_form\n",
              stderr);
        return 2;
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
