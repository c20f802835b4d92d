/*
 * Unit tests of builtin.c, the in-process model: construction errors,
 * language identification, classification with its confidence, field
 * extraction per class (number and date styles, labels, things it must
 * refuse), the summary's bounds and encoding, token estimates, garbage
 * input and concurrent use; the layouts physical lines make (rows of
 * labels over rows of values, columns side by side, letters, wrapped
 * letterheads). Texts are realistic snippets in EN, DE, FR, NL and ES;
 * expected values are exact.
 */
#include <check.h>
#include <glib.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../worker/model/builtin.h"

/* ---- fixtures and helpers -------------------------------------------- */

static char *taxonomy[] = {
        "invoice",          "receipt",  "bank_statement", "annual_report",
        "financial_report", "contract", "tax_form",       "other"};

static void cfg_init(struct config *cfg, char **classes, size_t n)
{
        size_t i;

        memset(cfg, 0, sizeof(*cfg));
        for (i = 0; i < n; i++)
                cfg->classes[i] = classes[i];
        cfg->classes_n = n;
        cfg->summary_max_chars = 600;
        cfg->lang_dir = NULL;
        cfg->languages = CONFIG_LANGUAGES_DEFAULT;
}

/* The model under test, made per test case by setup and freed by
 * teardown (checked fixtures): loading 160 language profiles per test
 * would make valgrind runs slow. */
static struct builtin *model;

static void setup(void)
{
        struct config cfg;
        struct err err;

        cfg_init(&cfg, taxonomy, G_N_ELEMENTS(taxonomy));
        model = builtin_new(&cfg, &err);
        ck_assert_msg(model != NULL, "builtin_new: %s", err.msg);
}

static void teardown(void)
{
        builtin_free(model);
        model = NULL;
}

static void classify(const char *text, const char **cls, double *conf)
{
        builtin_classify(model, text, strlen(text), cls, conf);
}

static json_t *fields(const char *cls, const char *text, const char *lang)
{
        json_t *o = builtin_fields(model, cls, text, strlen(text), lang);

        ck_assert_ptr_nonnull(o);
        ck_assert(json_is_object(o));
        return o;
}

/* Asserts that o[key] is the string want, or is absent when want is
 * NULL. */
static void ck_field(const json_t *o, const char *key, const char *want)
{
        const json_t *v = json_object_get(o, key);
        char *dump = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

        if (!want) {
                ck_assert_msg(v == NULL, "%s should be absent in %s", key,
                              dump);
        } else {
                ck_assert_msg(json_is_string(v), "%s missing in %s", key, dump);
                ck_assert_msg(strcmp(json_string_value(v), want) == 0,
                              "%s: got \"%s\", want \"%s\" in %s", key,
                              json_string_value(v), want, dump);
        }
        free(dump);
}

static const char *lang_of(const char *text, char out[8])
{
        builtin_language(model, text, strlen(text), out);
        return out;
}

/* ---- texts ----------------------------------------------------------- */

static const char inv_de[] = "ACME GmbH \xc2\xb7 Musterstra\xc3\x9f"
                             "e 1 \xc2\xb7 10115 Berlin\n"
                             "\n"
                             "Rechnungsempf\xc3\xa4nger:\n"
                             "Example BV\n"
                             "Keizersgracht 12\n"
                             "1015 CX Amsterdam\n"
                             "\n"
                             "RECHNUNG\n"
                             "Rechnungsnummer: RE-2024-0117\n"
                             "Rechnungsdatum: 12. M\xc3\xa4rz 2024\n"
                             "Leistungszeitraum: 01.02.2024 - 29.02.2024\n"
                             "\n"
                             "Pos. Beschreibung Menge Einzelpreis Betrag\n"
                             "1 Beratung 10 100,00 1.000,00\n"
                             "2 Software-Lizenz 1 37,44 37,44\n"
                             "\n"
                             "Zwischensumme 1.037,44 \xe2\x82\xac\n"
                             "MwSt. 19% 197,11 \xe2\x82\xac\n"
                             "Gesamtbetrag 1.234,55 \xe2\x82\xac\n"
                             "\n"
                             "Zahlbar innerhalb von 14 Tagen ohne Abzug.\n"
                             "Bitte \xc3\xbc"
                             "berweisen Sie den Rechnungsbetrag unter Angabe "
                             "der Rechnungsnummer auf unser Konto.\n"
                             "IBAN DE89 3704 0044 0532 0130 00\n";

static const char inv_en[] =
        "Northwind Traders Ltd.\n"
        "12 Market Street, London EC1A 1BB\n"
        "\n"
        "INVOICE\n"
        "\n"
        "Invoice No: INV-2024-0042\n"
        "Invoice Date: 03/04/2024\n"
        "Due Date: 04/03/2024\n"
        "\n"
        "Bill To:\n"
        "Contoso Corporation\n"
        "1 Microsoft Way\n"
        "\n"
        "Description                 Qty    Unit price     Amount\n"
        "Consulting services          20      $150.00    $3,000.00\n"
        "Travel expenses               1      $234.50      $234.50\n"
        "\n"
        "Subtotal                                       $3,234.50\n"
        "Sales Tax (8%)                                   $258.76\n"
        "Total                                          $3,493.26\n"
        "\n"
        "Payment terms: Net 30. Thank you for your business.\n";

static const char inv_fr[] =
        "Dupont SARL\n"
        "15 rue de la Paix, 75002 Paris\n"
        "\n"
        "FACTURE\n"
        "Facture N\xc2\xb0 F-2024-118\n"
        "Date : 5 avril 2024\n"
        "Date d'\xc3\xa9"
        "ch\xc3\xa9"
        "ance : 5 mai 2024\n"
        "\n"
        "Client : Martin & Fils SAS\n"
        "\n"
        "D\xc3\xa9signation Quantit\xc3\xa9 Prix unitaire HT Montant HT\n"
        "Maintenance annuelle 1 1 200,00 \xe2\x82\xac 1 200,00 \xe2\x82\xac\n"
        "\n"
        "Total HT : 1 200,00 \xe2\x82\xac\n"
        "TVA 20 % : 240,00 \xe2\x82\xac\n"
        "Total TTC : 1 440,00 \xe2\x82\xac\n"
        "\n"
        "Merci de r\xc3\xa9gler cette facture par virement dans un "
        "d\xc3\xa9lai de trente jours.\n";

static const char inv_nl[] =
        "Bakker Installaties B.V.\n"
        "Dorpsstraat 5, 3512 AB Utrecht\n"
        "\n"
        "FACTUUR\n"
        "Factuurnummer: 2024-0815\n"
        "Factuurdatum: 15-03-2024\n"
        "Vervaldatum: 14-04-2024\n"
        "\n"
        "Klant: Jansen Holding N.V.\n"
        "\n"
        "Omschrijving Aantal Prijs Bedrag\n"
        "Onderhoud cv-ketel 1 \xe2\x82\xac 250,00 \xe2\x82\xac 250,00\n"
        "\n"
        "Subtotaal \xe2\x82\xac 250,00\n"
        "BTW 21% \xe2\x82\xac 52,50\n"
        "Totaal \xe2\x82\xac 302,50\n"
        "\n"
        "Wij verzoeken u het bedrag binnen 30 dagen over te maken op "
        "rekening NL91 ABNA 0417 1643 00.\n";

static const char rec_en[] = "FRESHMART GROCERY\n"
                             "123 Main St, Springfield\n"
                             "Store #0421  Tel 555-0100\n"
                             "\n"
                             "03/15/2024 14:32  Cashier: Anna\n"
                             "\n"
                             "Milk 2%            3.49\n"
                             "Bread              2.99\n"
                             "Apples 1.2 lb      4.12\n"
                             "SUBTOTAL          10.60\n"
                             "TAX                0.85\n"
                             "TOTAL             11.45\n"
                             "VISA CARD ****1234 11.45\n"
                             "CHANGE             0.00\n"
                             "\n"
                             "THANK YOU FOR SHOPPING WITH US!\n";

static const char rec_de[] = "REWE Markt GmbH\n"
                             "Hauptstra\xc3\x9f"
                             "e 7\n"
                             "50667 K\xc3\xb6ln\n"
                             "\n"
                             "Kassenbon\n"
                             "Datum: 14.03.2024  Uhrzeit: 18:05\n"
                             "\n"
                             "Bio Vollmilch      1,19\n"
                             "Bananen            1,49\n"
                             "Brot               2,79\n"
                             "SUMME EUR          5,47\n"
                             "Gegeben Bar       10,00\n"
                             "R\xc3\xbc"
                             "ckgeld           4,53\n"
                             "\n"
                             "Vielen Dank f\xc3\xbcr Ihren Einkauf!\n";

static const char rec_fr[] = "CARREFOUR MARKET\n"
                             "Ticket de caisse n\xc2\xb0 4521\n"
                             "Le 02/04/2024 \xc3\xa0 10:12\n"
                             "Baguette 1,10\n"
                             "Caf\xc3\xa9 4,35\n"
                             "TOTAL 5,45 EUR\n"
                             "CB **** 8812\n"
                             "Merci de votre visite\n";

static const char bank_en[] = "First National Bank\n"
                              "Account Statement\n"
                              "\n"
                              "Account holder: Jane Smith\n"
                              "IBAN: GB82 WEST 1234 5698 7654 32\n"
                              "Statement period: 01/03/2024 to 31/03/2024\n"
                              "\n"
                              "Opening balance \xc2\xa3"
                              "1,250.00\n"
                              "03/03 Direct debit - Electricity -85.20\n"
                              "10/03 Salary 2,400.00\n"
                              "15/03 Withdrawal ATM -100.00\n"
                              "Closing balance \xc2\xa3"
                              "3,464.80\n";

static const char bank_de[] = "Sparkasse K\xc3\xb6lnBonn\n"
                              "Kontoauszug Nr. 3/2024\n"
                              "\n"
                              "Kontoinhaber: Max Mustermann\n"
                              "IBAN: DE89 3704 0044 0532 0130 00\n"
                              "Zeitraum: 01.03.2024 bis 31.03.2024\n"
                              "\n"
                              "Alter Kontostand 1.250,00 EUR\n"
                              "05.03. Lastschrift Stadtwerke -85,20\n"
                              "28.03. Gehalt 2.400,00\n"
                              "Neuer Kontostand 3.564,80 EUR\n";

static const char bank_nl[] = "ING Bank N.V.\n"
                              "Rekeningafschrift\n"
                              "Rekeninghouder: P. de Vries\n"
                              "Rekeningnummer NL91 ABNA 0417 1643 00\n"
                              "Periode 01-03-2024 t/m 31-03-2024\n"
                              "Beginsaldo \xe2\x82\xac 1.000,00\n"
                              "Eindsaldo \xe2\x82\xac 1.212,35\n";

static const char annual_en[] =
        "Globex Corporation\n"
        "Annual Report 2023\n"
        "\n"
        "Letter to Shareholders\n"
        "\n"
        "Dear Shareholders,\n"
        "Fiscal year 2023 was a year of growth for Globex. Revenue "
        "increased by 12% to $4.2 billion, and we returned capital to our "
        "shareholders through dividends.\n"
        "\n"
        "Consolidated Balance Sheet\n"
        "(in millions, except per share data)\n"
        "                        2023      2022\n"
        "Total revenue          4,200     3,750\n"
        "Net income               512       430\n"
        "\n"
        "Report of the Independent Auditor\n";

static const char annual_de[] =
        "Beispiel AG\n"
        "Gesch\xc3\xa4"
        "ftsbericht 2023\n"
        "Brief an die Aktion\xc3\xa4re\n"
        "Das Gesch\xc3\xa4"
        "ftsjahr 2023 war von Wachstum gepr\xc3\xa4gt.\n"
        "Umsatzerl\xc3\xb6se 1.234,5 Mio. EUR\n"
        "Jahres\xc3\xbc"
        "berschuss 98,7 Mio. EUR\n"
        "Konzernabschluss und Lagebericht\n";

static const char quarter_en[] =
        "Initech Inc.\n"
        "Quarterly Report on Form 10-Q\n"
        "For the quarterly period ended March 31, 2024\n"
        "\n"
        "Condensed Consolidated Statements of Operations\n"
        "(in thousands)\n"
        "                              Three Months Ended March 31,\n"
        "                              2024        2023\n"
        "Revenue                     125,400     110,200\n"
        "Net loss                    (18,300)     (15,100)\n"
        "\n"
        "First quarter revenue grew 14% year over year.\n";

static const char quarter_fr[] =
        "Soci\xc3\xa9t\xc3\xa9 Exemple S.A.\n"
        "Rapport trimestriel\n"
        "Chiffre d'affaires du premier trimestre clos le 31 mars 2024 : "
        "452,3 millions d'euros, en hausse de 8 %.\n";

static const char contract_en[] =
        "SERVICES AGREEMENT\n"
        "\n"
        "This Services Agreement (the \"Agreement\") is entered into as "
        "of March 1, 2024 by and between Acme Corp., a Delaware "
        "corporation (\"Provider\"), and Example Ltd. (\"Client\").\n"
        "\n"
        "WHEREAS, Client wishes to engage Provider to perform certain "
        "services;\n"
        "\n"
        "1. Term and Termination. This Agreement shall commence on the "
        "Effective Date and continue for twelve months.\n"
        "\n"
        "2. Governing Law. This Agreement shall be governed by the laws "
        "of the State of New York, without regard to its conflict of law "
        "principles.\n"
        "\n"
        "IN WITNESS WHEREOF, the parties have executed this Agreement as "
        "of the date first written above.\n";

static const char contract_de[] =
        "Dienstleistungsvertrag\n"
        "\n"
        "zwischen der ACME GmbH, Musterstra\xc3\x9f"
        "e 1, 10115 Berlin "
        "(nachfolgend \xe2\x80\x9e"
        "Auftragnehmer\xe2\x80\x9c)\n"
        "und der Beispiel AG, Hauptstra\xc3\x9f"
        "e 5, 80331 M\xc3\xbcnchen "
        "(nachfolgend \xe2\x80\x9e"
        "Auftraggeber\xe2\x80\x9c)\n"
        "\n"
        "\xc2\xa7 1 Vertragsgegenstand\n"
        "Der Auftragnehmer erbringt f\xc3\xbcr den Auftraggeber "
        "Beratungsleistungen.\n"
        "\n"
        "\xc2\xa7 2 Laufzeit\n"
        "Der Vertrag tritt mit Wirkung zum 1. April 2024 in Kraft.\n"
        "\n"
        "\xc2\xa7 9 Schlussbestimmungen\n"
        "Es gilt deutsches Recht. Gerichtsstand ist Berlin.\n";

static const char contract_nl[] =
        "OVEREENKOMST VAN OPDRACHT\n"
        "De ondergetekenden: Bakker Installaties B.V., hierna: "
        "opdrachtnemer, en Jansen Holding N.V., hierna: opdrachtgever, "
        "komen het volgende overeen.\n"
        "Op deze overeenkomst is Nederlands recht van toepassing.\n";

static const char tax_en[] =
        "Form 1040 Department of the Treasury\xe2\x80\x94Internal Revenue "
        "Service\n"
        "U.S. Individual Income Tax Return 2023\n"
        "OMB No. 1545-0074\n"
        "For the year Jan. 1\xe2\x80\x93"
        "Dec. 31, 2023, or other tax year "
        "beginning\n"
        "Taxpayer name: John Q. Public\n"
        "Filing Status: Single\n"
        "Your social security number\n"
        "Adjusted gross income 52,000\n";

static const char tax_de[] = "Finanzamt K\xc3\xb6ln-Mitte\n"
                             "Einkommensteuererkl\xc3\xa4rung 2023\n"
                             "Steuernummer 214/5678/9012\n"
                             "Steuerpflichtige Person: Erika Musterfrau\n";

static const char letter_en[] =
        "Dear Mr. Brown,\n"
        "\n"
        "Thank you for your letter of 2 May 2024 regarding the community "
        "garden project. We are delighted that so many neighbours have "
        "offered to help with the planting this spring.\n"
        "\n"
        "The committee will meet again next month to discuss the layout of "
        "the beds and the schedule for watering. Please let us know if you "
        "would like to join us.\n"
        "\n"
        "Kind regards,\n"
        "Sarah Green\n";

/* ---- construction ---------------------------------------------------- */

START_TEST(test_new_errors)
{
        struct config cfg;
        struct err err;
        struct builtin *b;

        cfg_init(&cfg, taxonomy, 0);
        err.cls = ERR_OK;
        b = builtin_new(&cfg, &err);
        ck_assert_ptr_null(b);
        ck_assert_int_eq(err.cls, ERR_FATAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "model.classes"));

        cfg_init(&cfg, taxonomy, 2);
        cfg.lang_dir = "/nonexistent/textcat";
        b = builtin_new(&cfg, &err);
        ck_assert_ptr_null(b);
        ck_assert_int_eq(err.cls, ERR_FATAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/textcat"));

        ck_assert_ptr_null(builtin_new(NULL, &err));
        builtin_free(NULL);
}
END_TEST

START_TEST(test_new_lang_dir)
{
        struct config cfg;
        struct err err;
        struct builtin *b;
        char lang[8];
        const char *s = "Wij verzoeken u het bedrag binnen dertig dagen "
                        "over te maken op onze rekening.";

        cfg_init(&cfg, taxonomy, 2);
        cfg.lang_dir = "/usr/share/libexttextcat/"; /* trailing slash */
        b = builtin_new(&cfg, &err);
        ck_assert_msg(b != NULL, "%s", err.msg);
        builtin_language(b, s, strlen(s), lang);
        ck_assert_str_eq(lang, "nl");
        builtin_free(b);
}
END_TEST

/* model.languages: only the listed profiles are loaded; a code without
 * a profile is refused at start; "all" loads every one. */
START_TEST(test_new_languages)
{
        struct config cfg;
        struct err err;
        struct builtin *b;
        char lang[8];
        const char *nl = "Wij verzoeken u het bedrag binnen dertig dagen "
                         "over te maken op onze rekening.";
        const char *en = "We kindly ask you to pay the amount within thirty "
                         "days into our bank account.";

        cfg_init(&cfg, taxonomy, 2);
        cfg.languages = "en, de";
        b = builtin_new(&cfg, &err);
        ck_assert_msg(b != NULL, "%s", err.msg);
        builtin_language(b, en, strlen(en), lang);
        ck_assert_str_eq(lang, "en");
        builtin_language(b, nl, strlen(nl), lang);
        ck_assert_str_ne(lang, "nl");
        builtin_free(b);

        cfg.languages = "en qq";
        ck_assert_ptr_null(builtin_new(&cfg, &err));
        ck_assert_int_eq(err.cls, ERR_FATAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "model.languages"));
        ck_assert_ptr_nonnull(strstr(err.msg, "'qq'"));

        cfg.languages = "all";
        b = builtin_new(&cfg, &err);
        ck_assert_msg(b != NULL, "%s", err.msg);
        builtin_language(b, nl, strlen(nl), lang);
        ck_assert_str_eq(lang, "nl");
        builtin_free(b);
}
END_TEST

/* ---- language -------------------------------------------------------- */

START_TEST(test_language)
{
        char out[8];

        ck_assert_str_eq(lang_of("This invoice is payable within thirty "
                                 "days of the date shown above.",
                                 out),
                         "en");
        ck_assert_str_eq(lang_of("Bitte \xc3\xbc"
                                 "berweisen Sie den "
                                 "Rechnungsbetrag innerhalb von vierzehn "
                                 "Tagen auf unser Konto.",
                                 out),
                         "de");
        ck_assert_str_eq(lang_of("Merci de r\xc3\xa9gler cette facture dans "
                                 "un d\xc3\xa9lai de trente jours \xc3\xa0 "
                                 "compter de sa r\xc3\xa9"
                                 "ception.",
                                 out),
                         "fr");
        ck_assert_str_eq(lang_of("Wij verzoeken u het bedrag binnen dertig "
                                 "dagen over te maken op onze rekening.",
                                 out),
                         "nl");
        /* Documents: the prose decides, not the labels and figures. */
        ck_assert_str_eq(lang_of(inv_de, out), "de");
        ck_assert_str_eq(lang_of(inv_fr, out), "fr");
        ck_assert_str_eq(lang_of(letter_en, out), "en");
        /* Shouting receipts are still English. */
        ck_assert_str_eq(lang_of(rec_en, out), "en");
}
END_TEST

START_TEST(test_language_unknown)
{
        char out[8];
        char junk[3000];
        size_t i;

        builtin_language(model, "", 0, out);
        ck_assert_str_eq(out, "und");
        builtin_language(model, NULL, 0, out);
        ck_assert_str_eq(out, "und");
        ck_assert_str_eq(lang_of("Total 12,50", out), "und");
        ck_assert_str_eq(lang_of("1234 5678 90 -- 12.03.2024 $$$ 99%", out),
                         "und");
        /* Invalid UTF-8 and control bytes only. */
        for (i = 0; i < sizeof(junk) - 1; i++)
                junk[i] = (char)(0x80 + (i * 7) % 0x7F);
        junk[sizeof(junk) - 1] = '\0';
        ck_assert_str_eq(lang_of(junk, out), "und");
}
END_TEST

/* ---- classify -------------------------------------------------------- */

static void ck_class(const char *text, const char *want, double min_conf)
{
        const char *cls;
        double conf;

        classify(text, &cls, &conf);
        ck_assert_msg(strcmp(cls, want) == 0 && conf >= min_conf,
                      "got %s %.3f, want %s >= %.2f for: %.60s", cls, conf,
                      want, min_conf, text);
        ck_assert(conf <= 1.0);
}

START_TEST(test_classify_invoice)
{
        ck_class(inv_de, "invoice", 0.9);
        ck_class(inv_en, "invoice", 0.9);
        ck_class(inv_fr, "invoice", 0.9);
        ck_class(inv_nl, "invoice", 0.9);
        ck_class("Factura n\xc2\xba 2024/77\nFecha: 3 de abril de 2024\n"
                 "Base imponible 100,00\nIVA 21% 21,00\nTotal 121,00 EUR\n",
                 "invoice", 0.8);
}
END_TEST

START_TEST(test_classify_receipt)
{
        ck_class(rec_en, "receipt", 0.9);
        ck_class(rec_de, "receipt", 0.8);
        ck_class(rec_fr, "receipt", 0.8);
        ck_class("Albert Heijn\nKASSABON\nMelk 1,09\nTOTAAL 1,09\n"
                 "Bedankt voor uw aankoop\n",
                 "receipt", 0.8);
}
END_TEST

START_TEST(test_classify_bank)
{
        ck_class(bank_en, "bank_statement", 0.9);
        ck_class(bank_de, "bank_statement", 0.9);
        ck_class(bank_nl, "bank_statement", 0.9);
        ck_class("BNP Paribas\nRelev\xc3\xa9 de compte\nAncien solde "
                 "1 000,00\nNouveau solde 1 250,00\n",
                 "bank_statement", 0.9);
}
END_TEST

START_TEST(test_classify_reports)
{
        ck_class(annual_en, "annual_report", 0.9);
        ck_class(annual_de, "annual_report", 0.8);
        ck_class("Rapport annuel 2023\nLettre aux actionnaires\n",
                 "annual_report", 0.6);
        ck_class("Jaarverslag 2023\nJaarrekening en bestuursverslag\n",
                 "annual_report", 0.8);
        ck_class(quarter_en, "financial_report", 0.9);
        ck_class(quarter_fr, "financial_report", 0.6);
        ck_class("Zwischenbericht zum 30. Juni 2024\nQuartalsbericht Q2\n",
                 "financial_report", 0.9);
}
END_TEST

START_TEST(test_classify_contract_tax)
{
        ck_class(contract_en, "contract", 0.9);
        ck_class(contract_de, "contract", 0.9);
        ck_class(contract_nl, "contract", 0.8);
        ck_class(tax_en, "tax_form", 0.9);
        ck_class(tax_de, "tax_form", 0.9);
}
END_TEST

START_TEST(test_classify_unsure)
{
        const char *cls;
        double conf, conf2;
        char *a, *b;

        /* Nothing to go on: "other", and not sure of it. */
        builtin_classify(model, "", 0, &cls, &conf);
        ck_assert_str_eq(cls, "other");
        ck_assert(conf > 0.0 && conf < 0.3);
        builtin_classify(model, NULL, 0, &cls, &conf);
        ck_assert_str_eq(cls, "other");
        /* A long letter with no evidence: "other", more sure than empty
         * but still below what routing trusts. */
        classify(letter_en, &cls, &conf2);
        ck_assert_str_eq(cls, "other");
        ck_assert(conf2 > conf && conf2 < 0.6);
        /* One weak word is not evidence. */
        classify("We met last quarter to talk about the garden and the "
                 "trees.",
                 &cls, &conf);
        ck_assert(conf < 0.4);
        /* Two classes with equal evidence: unsure whichever wins. */
        classify("Invoice\nReceipt\n", &cls, &conf);
        ck_assert(strcmp(cls, "invoice") == 0 || strcmp(cls, "receipt") == 0);
        ck_assert_msg(conf < 0.6, "conf %.3f", conf);
        /* Confidence grows with evidence. */
        a = "Invoice\nTotal 12.00\n";
        classify(a, &cls, &conf);
        b = "Invoice\nInvoice number: 17\nBill to: Contoso Corporation\n"
            "Amount due: $12.00\nVAT 0.00\n";
        classify(b, &cls, &conf2);
        ck_assert_str_eq(cls, "invoice");
        ck_assert_msg(conf2 > conf, "%.3f <= %.3f", conf2, conf);
}
END_TEST

START_TEST(test_classify_taxonomy)
{
        static char *two[] = {"contract", "invoice"};
        static char *custom[] = {"purchase_order", "other"};
        struct config cfg;
        struct err err;
        struct builtin *b;
        const char *cls;
        double conf;

        /* A receipt when the taxonomy has no receipt nor other: one of
         * the configured classes, never "receipt", and unsure. */
        cfg_init(&cfg, two, 2);
        b = builtin_new(&cfg, &err);
        ck_assert_ptr_nonnull(b);
        builtin_classify(b, rec_de, strlen(rec_de), &cls, &conf);
        ck_assert(strcmp(cls, "contract") == 0 || strcmp(cls, "invoice") == 0);
        ck_assert(conf < 0.5);
        /* No evidence at all and no "other": the first class, conf 0. */
        builtin_classify(b, "", 0, &cls, &conf);
        ck_assert_str_eq(cls, "contract");
        ck_assert(conf == 0.0);
        builtin_free(b);

        /* A class the builtin has no phrases for is a valid answer only
         * by fallback; an invoice text is "other" here. */
        cfg_init(&cfg, custom, 2);
        b = builtin_new(&cfg, &err);
        ck_assert_ptr_nonnull(b);
        builtin_classify(b, inv_en, strlen(inv_en), &cls, &conf);
        ck_assert_str_eq(cls, "other");
        builtin_free(b);
}
END_TEST

/* The text is folded to lower case eight bytes at a time where it is
 * ASCII: capitals and NUL bytes read the same at every alignment, and
 * next to multibyte characters. */
START_TEST(test_classify_fold)
{
        static const char low[] = "invoice\ninvoice number: 17\nbill to: "
                                  "contoso\namount due: $12.00 \xc3\xa9 vat\n";
        static const char up[] = "INVOICE\nINVOICE NUMBER: 17\nBILL TO: "
                                 "CONTOSO\nAMOUNT DUE: $12.00 \xc3\xa9 VAT\n";
        static const char nul[] = "Invoice\ninvoice\0number: 17\nbill\0to: "
                                  "contoso\namount\0due: $12.00 \xc3\xa9 vat\n";
        char buf[256];
        const char *cls, *cls2;
        double conf, conf2;
        size_t pad;

        for (pad = 0; pad <= 9; pad++) {
                memset(buf, ' ', pad);
                memcpy(buf + pad, low, sizeof(low) - 1);
                builtin_classify(model, buf, pad + sizeof(low) - 1, &cls,
                                 &conf);
                ck_assert_str_eq(cls, "invoice");
                memcpy(buf + pad, up, sizeof(up) - 1);
                builtin_classify(model, buf, pad + sizeof(up) - 1, &cls2,
                                 &conf2);
                ck_assert_str_eq(cls2, "invoice");
                ck_assert_msg(conf2 == conf, "pad %zu: %.3f != %.3f", pad,
                              conf2, conf);
                memcpy(buf + pad, nul, sizeof(nul) - 1);
                builtin_classify(model, buf, pad + sizeof(nul) - 1, &cls2,
                                 &conf2);
                ck_assert_str_eq(cls2, "invoice");
                ck_assert_msg(conf2 == conf, "pad %zu (NUL): %.3f != %.3f", pad,
                              conf2, conf);
        }
}
END_TEST

/* Each phrase counts at most 32 times, occurrences side by side all
 * count, and a phrase inside a longer word does not. */
START_TEST(test_classify_counts)
{
        GString *text = g_string_new(NULL);
        const char *cls;
        double conf, conf2;
        int i;

        for (i = 0; i < 32; i++)
                g_string_append(text, "receipt ");
        builtin_classify(model, text->str, text->len, &cls, &conf);
        ck_assert_str_eq(cls, "receipt");
        for (i = 32; i < 100; i++)
                g_string_append(text, "receipt ");
        builtin_classify(model, text->str, text->len, &cls, &conf2);
        ck_assert_str_eq(cls, "receipt");
        ck_assert_msg(conf2 == conf, "%.3f != %.3f", conf2, conf);
        g_string_truncate(text, 0);
        for (i = 0; i < 100; i++)
                g_string_append(text, "xreceipt notareceipt ");
        builtin_classify(model, text->str, text->len, &cls, &conf);
        ck_assert_str_eq(cls, "other");
        g_string_free(text, TRUE);
}
END_TEST

/* ---- fields: values -------------------------------------------------- */

START_TEST(test_amount_styles)
{
        static const struct {
                const char *text, *total, *cur;
        } cases[] = {{"Total: 1.234,56 \xe2\x82\xac\n", "1234.56", "EUR"},
                     {"Total: $1,234.56\n", "1234.56", "USD"},
                     {"Total: 1 234,56 \xe2\x82\xac\n", "1234.56", "EUR"},
                     {"Total: 1\xc2\xa0"
                      "234,56 EUR\n",
                      "1234.56", "EUR"},
                     {"Total: 1234.56 EUR\n", "1234.56", "EUR"},
                     {"Total: CHF 1'234.50\n", "1234.50", "CHF"},
                     {"Total: \xc2\xa3"
                      "12\n",
                      "12.00", "GBP"},
                     {"Total: 12,5 EUR\n", "12.50", "EUR"},
                     {"Total: -45.00 EUR\n", "-45.00", "EUR"},
                     {"Total: (45.00) USD\n", "-45.00", "USD"},
                     {"Total: 1,234,567.89 USD\n", "1234567.89", "USD"},
                     {"Total: 1.234.567,89 EUR\n", "1234567.89", "EUR"},
                     {"Total\n\xe2\x82\xac 99,00\n", "99.00", "EUR"}};
        size_t i;
        json_t *o;

        for (i = 0; i < G_N_ELEMENTS(cases); i++) {
                o = fields("other", cases[i].text, "en");
                ck_field(o, "total", cases[i].total);
                ck_field(o, "currency", cases[i].cur);
                json_decref(o);
        }
}
END_TEST

START_TEST(test_amount_refused)
{
        static const char *const texts[] = {
                "Total 19%\n",           /* a percentage */
                "Total: 12.03.2024\n",   /* a date */
                "Total: 1.2345 EUR\n",   /* neither style */
                "Total items: 3\n",      /* not an amount label */
                "Total: 42\n",           /* bare integer, no currency */
                "Total\n42\n",           /* a column header's first row */
                "Total: INV-2024 EUR\n", /* part of an id */
                "Total: 1,23,45 EUR\n",  /* broken grouping */
                "Total: 1.234.56 EUR\n", /* one separator for both */
        };
        size_t i;
        json_t *o;

        for (i = 0; i < G_N_ELEMENTS(texts); i++) {
                o = fields("other", texts[i], "en");
                ck_field(o, "total", NULL);
                json_decref(o);
        }
}
END_TEST

START_TEST(test_date_styles)
{
        static const struct {
                const char *text, *lang, *date;
        } cases[] = {
                {"Datum: 12. M\xc3\xa4rz 2024\n", "de", "2024-03-12"},
                {"Date : 12 mars 2024\n", "fr", "2024-03-12"},
                {"Date : 1er f\xc3\xa9vrier 2024\n", "fr", "2024-02-01"},
                {"Date: March 12, 2024\n", "en", "2024-03-12"},
                {"Date: 12 March 2024\n", "en", "2024-03-12"},
                {"Date: 12th March 2024\n", "en", "2024-03-12"},
                {"Date: 12-Mar-2024\n", "en", "2024-03-12"},
                {"Datum: 12 maart 2024\n", "nl", "2024-03-12"},
                {"Fecha: 12 de marzo de 2024\n", "es", "2024-03-12"},
                {"Date: 2024-03-12\n", "en", "2024-03-12"},
                {"Datum: 12.03.2024\n", "de", "2024-03-12"},
                {"Datum: 12.03.24\n", "de", "2024-03-12"},
                {"Date: 03/12/2024\n", "en", "2024-03-12"},
                {"Datum: 03/12/2024\n", "de", "2024-12-03"},
                {"Date : 03/12/2024\n", "fr", "2024-12-03"},
                {"Datum: 03-12-2024\n", "nl", "2024-12-03"},
                /* unambiguous whatever the language */
                {"Date: 25/12/2024\n", "en", "2024-12-25"},
                {"Date: 12/25/2024\n", "de", "2024-12-25"},
                /* the document shows how it writes dates */
                {"Date: 03/04/2024\nDue: 18/04/2024\n", "en", "2024-04-03"},
                {"Date: 29.02.2024\n", "de", "2024-02-29"}};
        size_t i;
        json_t *o;

        for (i = 0; i < G_N_ELEMENTS(cases); i++) {
                o = fields("other", cases[i].text, cases[i].lang);
                ck_field(o, "date", cases[i].date);
                json_decref(o);
        }
}
END_TEST

START_TEST(test_date_refused)
{
        static const struct {
                const char *text, *lang;
        } cases[] = {
                {"Date: 03/12/2024\n", NULL}, /* ambiguous, language unknown */
                {"Date: 03/12/2024\n", "und"},
                {"Date: 31.02.2024\n", "de"}, /* no such day */
                {"Date: 29.02.2023\n", "de"}, /* not a leap year */
                {"Date: 12.13.2024\n", "de"}, /* no such month */
                {"Date: 12 Smarch 2024\n", "en"},
                {"Date: March 2024\n", "en"}, /* no day */
                {"Date: 12.03.20245\n", "de"}};
        size_t i;
        json_t *o;

        for (i = 0; i < G_N_ELEMENTS(cases); i++) {
                o = fields("other", cases[i].text, cases[i].lang);
                ck_field(o, "date", NULL);
                json_decref(o);
        }
}
END_TEST

/* ---- fields: per class ----------------------------------------------- */

START_TEST(test_fields_invoice_de)
{
        json_t *o = fields("invoice", inv_de, "de");

        ck_field(o, "invoice_number", "RE-2024-0117");
        ck_field(o, "issue_date", "2024-03-12");
        ck_field(o, "due_date", "2024-03-26"); /* 14 days after issue */
        ck_field(o, "total", "1234.55");
        ck_field(o, "subtotal", "1037.44");
        ck_field(o, "tax", "197.11");
        ck_field(o, "currency", "EUR");
        ck_field(o, "vendor", "ACME GmbH");
        ck_field(o, "customer", "Example BV");
        ck_assert_int_eq(json_object_size(o), 9);
        json_decref(o);
}
END_TEST

START_TEST(test_fields_invoice_en)
{
        json_t *o = fields("invoice", inv_en, "en");

        ck_field(o, "invoice_number", "INV-2024-0042");
        ck_field(o, "issue_date", "2024-03-04");
        ck_field(o, "due_date", "2024-04-03");
        ck_field(o, "total", "3493.26");
        ck_field(o, "subtotal", "3234.50");
        ck_field(o, "tax", "258.76");
        ck_field(o, "currency", "USD");
        ck_field(o, "vendor", "Northwind Traders Ltd.");
        ck_field(o, "customer", "Contoso Corporation");
        json_decref(o);
}
END_TEST

START_TEST(test_fields_invoice_fr_nl)
{
        json_t *o = fields("invoice", inv_fr, "fr");

        ck_field(o, "invoice_number", "F-2024-118");
        ck_field(o, "issue_date", "2024-04-05");
        ck_field(o, "due_date", "2024-05-05");
        ck_field(o, "total", "1440.00");
        ck_field(o, "subtotal", "1200.00");
        ck_field(o, "tax", "240.00");
        ck_field(o, "currency", "EUR");
        ck_field(o, "vendor", "Dupont SARL");
        ck_field(o, "customer", "Martin & Fils SAS");
        json_decref(o);

        o = fields("invoice", inv_nl, "nl");
        ck_field(o, "invoice_number", "2024-0815");
        ck_field(o, "issue_date", "2024-03-15");
        ck_field(o, "due_date", "2024-04-14");
        ck_field(o, "total", "302.50");
        ck_field(o, "subtotal", "250.00");
        ck_field(o, "tax", "52.50");
        ck_field(o, "currency", "EUR");
        ck_field(o, "vendor", "Bakker Installaties B.V.");
        ck_field(o, "customer", "Jansen Holding N.V.");
        json_decref(o);
}
END_TEST

START_TEST(test_invoice_number_not_date)
{
        json_t *o;

        /* A date where a number would be is a date, not a number. */
        o = fields("invoice",
                   "Rechnung vom 12.03.2024\nGesamtbetrag "
                   "100,00 EUR\n",
                   "de");
        ck_field(o, "invoice_number", NULL);
        ck_field(o, "issue_date", "2024-03-12");
        json_decref(o);

        o = fields("invoice", "INVOICE 2024-03-12\nTotal $5.00\n", "en");
        ck_field(o, "invoice_number", NULL);
        json_decref(o);

        o = fields("invoice", "Invoice number: 12.50\nTotal $5.00\n", "en");
        ck_field(o, "invoice_number", NULL);
        json_decref(o);

        /* "Facture n° ... du <date>": both, each in its place. */
        o = fields("invoice",
                   "Facture n\xc2\xb0"
                   "562044387 du 02 Juillet "
                   "2015\nTotal TTC 29,99 \xe2\x82\xac\n",
                   "fr");
        ck_field(o, "invoice_number", "562044387");
        ck_field(o, "issue_date", "2015-07-02");
        json_decref(o);

        /* Prose mentioning an invoice is not a number. */
        o = fields("invoice",
                   "This invoice is for the billing period July "
                   "1 - July 31, 2014\n",
                   "en");
        ck_field(o, "invoice_number", NULL);
        ck_field(o, "issue_date", NULL);
        json_decref(o);
}
END_TEST

/* Labels are looked for within lines: one split across two lines is
 * none, and the lines after it are still read. */
START_TEST(test_label_lines)
{
        json_t *o = fields("invoice",
                           "Invoice\nnumber: 123\nDate: 12.03.2024\n"
                           "Invoice number: INV-2024-17\nTotal\namount "
                           "due 5.00\nAmount due: EUR 99.50\n",
                           "de");

        ck_field(o, "invoice_number", "INV-2024-17");
        ck_field(o, "issue_date", "2024-03-12");
        ck_field(o, "total", "99.50");
        json_decref(o);
}
END_TEST

START_TEST(test_total_not_subtotal)
{
        json_t *o;

        o = fields("invoice",
                   "Invoice INV-1\nTotal $110.00\nSubtotal "
                   "$100.00\nSub-total $100.00\nTotal VAT "
                   "$10.00\nTotal excl. VAT $100.00\n",
                   "en");
        ck_field(o, "total", "110.00");
        ck_field(o, "subtotal", "100.00");
        ck_field(o, "tax", "10.00");
        json_decref(o);

        /* Only a subtotal: no total at all. */
        o = fields("invoice",
                   "Invoice INV-1\nSubtotal $100.00\n"
                   "Zwischensumme 100,00 EUR\nTotal HT : 100,00 "
                   "\xe2\x82\xac\n",
                   "en");
        ck_field(o, "total", NULL);
        json_decref(o);

        /* "Amount due" beats a line-item "Total". */
        o = fields("invoice",
                   "Invoice INV-1\nItem total $40.00\nTotal "
                   "$40.00\nAmount due: $45.00\n",
                   "en");
        ck_field(o, "total", "45.00");
        json_decref(o);

        /* The tax base is not the tax. */
        o = fields("invoice",
                   "Invoice INV-1\nTax 15% on $ 112.90\n\n"
                   "$ 16.94\n",
                   "en");
        ck_field(o, "tax", "16.94");
        json_decref(o);
}
END_TEST

START_TEST(test_fields_receipt)
{
        json_t *o = fields("receipt", rec_en, "en");

        ck_field(o, "merchant", "FRESHMART GROCERY");
        ck_field(o, "date", "2024-03-15");
        ck_field(o, "total", "11.45");
        ck_field(o, "currency", NULL); /* no symbol anywhere */
        json_decref(o);

        o = fields("receipt", rec_de, "de");
        ck_field(o, "merchant", "REWE Markt GmbH");
        ck_field(o, "date", "2024-03-14");
        ck_field(o, "total", "5.47");
        ck_field(o, "currency", "EUR");
        json_decref(o);

        o = fields("receipt", rec_fr, "fr");
        ck_field(o, "merchant", "CARREFOUR MARKET");
        ck_field(o, "date", "2024-04-02");
        ck_field(o, "total", "5.45");
        ck_field(o, "currency", "EUR");
        json_decref(o);
}
END_TEST

START_TEST(test_fields_receipt_ocr_zero)
{
        /* Tesseract's readings of till rolls: a day's or month's leading
         * zero read as 9 or 6 (an impossible 60-99) reads as a zero. */
        json_t *o = fields("receipt",
                           "FreshWay Supermarket\n137 King Street\n"
                           "99/07/2021 17:41 Cashier: Daniel\n"
                           "Milk 1.46\nTOTAL GBP 29.75\n",
                           "en");

        ck_field(o, "date", "2021-07-09");
        ck_field(o, "total", "29.75");
        json_decref(o);
        o = fields("receipt",
                   "Harborview Hardware\nStore 7964 Reg 04\n"
                   "2024-62-19 17:44 Cashier: Julia\n"
                   "Whole milk 1L 6.08\nTOTAL USD 31.00\n",
                   "en");
        ck_field(o, "date", "2024-02-19");
        json_decref(o);
        o = fields("receipt",
                   "Bakkerij Van Dijk\nTICKET DE CAISSE\n"
                   "92/04/2023 10:30 Caisse: Sarah\nTOTAL EUR 20,79\n",
                   "fr");
        ck_field(o, "date", "2023-04-02");
        json_decref(o);
        /* Not a zero's shape, or still impossible: left out. */
        o = fields("receipt",
                   "Corner Shop\n45/07/2021 17:41\nTOTAL GBP 2.00\n",
                   "en");
        ck_field(o, "date", NULL);
        json_decref(o);
        o = fields("receipt",
                   "Corner Shop\n2021-07-99 17:41\nTOTAL GBP 2.00\n",
                   "en");
        ck_field(o, "date", "2021-07-09");
        json_decref(o);
        o = fields("receipt",
                   "Corner Shop\n2021-17-45 17:41\nTOTAL GBP 2.00\n",
                   "en");
        ck_field(o, "date", NULL);
        json_decref(o);
}
END_TEST

START_TEST(test_fields_bank)
{
        json_t *o = fields("bank_statement", bank_en, "en");

        ck_field(o, "account_holder", "Jane Smith");
        ck_field(o, "iban", "GB82WEST12345698765432");
        /* 31/03 shows this statement writes day first */
        ck_field(o, "period_start", "2024-03-01");
        ck_field(o, "period_end", "2024-03-31");
        ck_field(o, "opening_balance", "1250.00");
        ck_field(o, "closing_balance", "3464.80");
        ck_field(o, "currency", "GBP");
        json_decref(o);

        o = fields("bank_statement", bank_de, "de");
        ck_field(o, "account_holder", "Max Mustermann");
        ck_field(o, "iban", "DE89370400440532013000");
        ck_field(o, "period_start", "2024-03-01");
        ck_field(o, "period_end", "2024-03-31");
        ck_field(o, "opening_balance", "1250.00");
        ck_field(o, "closing_balance", "3564.80");
        ck_field(o, "currency", "EUR");
        json_decref(o);

        o = fields("bank_statement", bank_nl, "nl");
        ck_field(o, "account_holder", "P. de Vries");
        ck_field(o, "iban", "NL91ABNA0417164300");
        ck_field(o, "period_start", "2024-03-01");
        ck_field(o, "period_end", "2024-03-31");
        ck_field(o, "opening_balance", "1000.00");
        ck_field(o, "closing_balance", "1212.35");
        json_decref(o);

        /* A wrong check digit is not an IBAN. */
        o = fields("bank_statement", "IBAN: DE88 3704 0044 0532 0130 00\n",
                   "de");
        ck_field(o, "iban", NULL);
        json_decref(o);
}
END_TEST

START_TEST(test_fields_reports)
{
        json_t *o = fields("annual_report", annual_en, "en");

        ck_field(o, "company", "Globex Corporation");
        ck_field(o, "fiscal_year", "2023");
        /* the table is "in millions"; "increased by 12% to" is skipped */
        ck_field(o, "revenue", "4200000000.00");
        ck_field(o, "net_income", "512000000.00");
        ck_field(o, "currency", "USD");
        json_decref(o);

        o = fields("annual_report", annual_de, "de");
        ck_field(o, "company", "Beispiel AG");
        ck_field(o, "fiscal_year", "2023");
        ck_field(o, "revenue", "1234500000.00");
        ck_field(o, "net_income", "98700000.00");
        ck_field(o, "currency", "EUR");
        json_decref(o);

        o = fields("financial_report", quarter_en, "en");
        ck_field(o, "company", "Initech Inc.");
        ck_field(o, "period_end", "2024-03-31");
        ck_field(o, "revenue", "125400000.00");
        ck_field(o, "net_income", "-18300000.00");
        ck_field(o, "currency", NULL);
        json_decref(o);

        o = fields("financial_report", quarter_fr, "fr");
        ck_field(o, "company", "Soci\xc3\xa9t\xc3\xa9 Exemple S.A.");
        ck_field(o, "period_end", "2024-03-31");
        ck_field(o, "revenue", "452300000.00");
        json_decref(o);
}
END_TEST

START_TEST(test_fields_contract)
{
        json_t *o = fields("contract", contract_en, "en");
        const json_t *p;

        p = json_object_get(o, "parties");
        ck_assert(json_is_array(p) && json_array_size(p) == 2);
        ck_assert_str_eq(json_string_value(json_array_get(p, 0)), "Acme Corp.");
        ck_assert_str_eq(json_string_value(json_array_get(p, 1)),
                         "Example Ltd.");
        ck_field(o, "effective_date", "2024-03-01");
        ck_field(o, "governing_law", "New York");
        json_decref(o);

        o = fields("contract", contract_de, "de");
        p = json_object_get(o, "parties");
        ck_assert(json_is_array(p) && json_array_size(p) == 2);
        ck_assert_str_eq(json_string_value(json_array_get(p, 0)), "ACME GmbH");
        ck_assert_str_eq(json_string_value(json_array_get(p, 1)),
                         "Beispiel AG");
        ck_field(o, "effective_date", "2024-04-01");
        ck_field(o, "governing_law", "Germany");
        json_decref(o);

        o = fields("contract", contract_nl, "nl");
        ck_field(o, "governing_law", "Netherlands");
        json_decref(o);
}
END_TEST

START_TEST(test_fields_tax_other)
{
        json_t *o = fields("tax_form", tax_en, "en");

        ck_field(o, "form", "1040");
        ck_field(o, "tax_year", "2023");
        ck_field(o, "taxpayer", "John Q. Public");
        json_decref(o);

        o = fields("tax_form", tax_de, "de");
        ck_field(o, "form", "Einkommensteuererkl\xc3\xa4rung");
        ck_field(o, "tax_year", "2023");
        ck_field(o, "taxpayer", "Erika Musterfrau");
        json_decref(o);

        o = fields("other", letter_en, "en");
        ck_field(o, "date", "2024-05-02");
        ck_field(o, "total", NULL);
        ck_field(o, "currency", NULL);
        json_decref(o);

        /* NULL class or a class of another taxonomy: the "other" fields. */
        o = builtin_fields(model, NULL, "Date: 2024-01-02\n", 17, NULL);
        ck_field(o, "date", "2024-01-02");
        json_decref(o);
        o = fields("purchase_order", "Total: EUR 10,00\n", "de");
        ck_field(o, "total", "10.00");
        json_decref(o);
        /* Nothing found: an empty object, never NULL. */
        o = builtin_fields(model, "invoice", NULL, 0, NULL);
        ck_assert_int_eq(json_object_size(o), 0);
        json_decref(o);
}
END_TEST

/* ---- summarize ------------------------------------------------------- */

static void ck_summary(const char *s, size_t max)
{
        ck_assert_ptr_nonnull(s);
        ck_assert_msg(strlen(s) <= max, "summary of %zu bytes > %zu", strlen(s),
                      max);
        ck_assert_msg(g_utf8_validate(s, -1, NULL), "invalid UTF-8: %s", s);
}

START_TEST(test_summary_lead)
{
        json_t *f = json_pack("{ss ss ss ss ss ss}", "invoice_number",
                              "INV-2024-0117", "vendor", "ACME GmbH",
                              "customer", "Example BV", "currency", "EUR",
                              "total", "1234.56", "due_date", "2024-04-12");
        char *s = builtin_summarize(model, "invoice", f, "", 0, "en");

        ck_assert_str_eq(s, "Invoice INV-2024-0117 from ACME GmbH to "
                            "Example BV, EUR 1,234.56, due 2024-04-12.");
        free(s);
        json_decref(f);

        /* Fields from elsewhere may be anything: non-strings are
         * skipped, control bytes cleaned. */
        f = json_pack("{si ss}", "total", 5, "merchant", "Shop\n\tA");
        s = builtin_summarize(model, "receipt", f, NULL, 0, NULL);
        ck_assert_str_eq(s, "Receipt from Shop A.");
        free(s);
        json_decref(f);

        /* No class, no fields, no text: empty, not NULL. */
        s = builtin_summarize(model, NULL, NULL, NULL, 0, NULL);
        ck_assert_str_eq(s, "");
        free(s);
}
END_TEST

START_TEST(test_summary_extract)
{
        json_t *f = fields("invoice", inv_de, "de");
        char *s = builtin_summarize(model, "invoice", f, inv_de, strlen(inv_de),
                                    "de");

        ck_summary(s, 600);
        /* The lead speaks the document's language. */
        ck_assert_msg(strncmp(s,
                              "Rechnung RE-2024-0117 von ACME GmbH an "
                              "Example BV, 1.234,55 EUR, ausgestellt am "
                              "2024-03-12, f\xc3\xa4llig am 2024-03-26. ",
                              strlen("Rechnung RE-2024-0117 von ACME GmbH "
                                     "an Example BV, 1.234,55 EUR, "
                                     "ausgestellt am 2024-03-12, "
                                     "f\xc3\xa4llig am 2024-03-26. ")) == 0,
                      "%s", s);
        /* The payment sentence is in; table rows are not. */
        ck_assert_ptr_nonnull(strstr(s, "Zahlbar innerhalb von 14 Tagen"));
        ck_assert_ptr_null(strstr(s, "Beratung 10 100,00"));
        free(s);
        json_decref(f);

        /* Sentences come in document order. */
        s = builtin_summarize(model, "other", NULL, letter_en,
                              strlen(letter_en), "en");
        ck_summary(s, 600);
        ck_assert_ptr_nonnull(strstr(s, "community garden"));
        ck_assert_ptr_nonnull(strstr(s, "committee"));
        ck_assert(strstr(s, "community garden") < strstr(s, "committee"));
        free(s);
}
END_TEST

START_TEST(test_summary_bounds)
{
        static char *one[] = {"other"};
        static const int caps[] = {1,  2,  3,  4,  5,  6,  7,  8,   9,   10,
                                   11, 12, 13, 14, 15, 16, 17, 18,  19,  20,
                                   21, 22, 23, 24, 25, 26, 27, 28,  29,  30,
                                   31, 32, 33, 34, 35, 36, 37, 38,  39,  40,
                                   45, 50, 55, 60, 70, 80, 90, 100, 130, 200};
        struct config cfg;
        struct err err;
        struct builtin *b;
        GString *text = g_string_new(NULL);
        json_t *f = json_pack("{ss}", "merchant",
                              "B\xc3\xa4"
                              "ckerei M\xc3\xbcller \xe2\x80\x93 "
                              "Stra\xc3\x9f"
                              "e \xe2\x82\xac");
        char *s;
        size_t k;
        int i;

        /* A lead and long sentences of two- and three-byte characters:
         * whatever the cap, the cut falls between characters. */
        for (i = 0; i < 40; i++)
                g_string_append_printf(text,
                                       "Im Jahr %d betr\xc3\xa4gt die "
                                       "Gr\xc3\xb6\xc3\x9f"
                                       "e der "
                                       "\xc3\x9c"
                                       "bersch\xc3\xbc"
                                       "sse %d "
                                       "\xe2\x82\xac und w\xc3\xa4"
                                       "chst "
                                       "st\xc3\xa4ndig weiter. ",
                                       1980 + i, 12 * i);
        cfg_init(&cfg, one, 1);
        for (k = 0; k < G_N_ELEMENTS(caps); k++) {
                cfg.summary_max_chars = caps[k];
                b = builtin_new(&cfg, &err);
                ck_assert_ptr_nonnull(b);
                s = builtin_summarize(b, "receipt", f, text->str, text->len,
                                      "de");
                ck_summary(s, (size_t)caps[k]);
                /* The lead comes first, cut or whole, in German. */
                ck_assert(strncmp(s, "Kassenbon",
                                  strlen(s) < 9 ? strlen(s) : 9) == 0);
                free(s);
                s = builtin_summarize(b, NULL, NULL, text->str, text->len,
                                      "de");
                ck_summary(s, (size_t)caps[k]);
                free(s);
                builtin_free(b);
        }
        /* The fixture's cap is 600: several sentences fit. */
        s = builtin_summarize(model, "other", NULL, text->str, text->len, "de");
        ck_summary(s, 600);
        ck_assert(strlen(s) > 300);
        free(s);
        json_decref(f);
        g_string_free(text, TRUE);
}
END_TEST

START_TEST(test_summary_invalid_utf8)
{
        static const char bad[] =
                "This sentence has a broken \xc3 character and \xff\xfe "
                "bytes that are not UTF-8 at all, in a paragraph.\n\n"
                "A second sentence ends with a cut sequence \xe2\x82";
        char *s = builtin_summarize(model, "other", NULL, bad, sizeof(bad) - 1,
                                    "en");

        ck_summary(s, 600);
        ck_assert_ptr_nonnull(strstr(s, "This sentence has a broken"));
        free(s);
}
END_TEST

/* A long text with thousands of distinct words (more than the term
 * table keeps) and a letterhead sentence on every page: the letterhead
 * is said once at most, and the summary is the same every time. */
START_TEST(test_summary_many_words)
{
        GString *text = g_string_new(NULL);
        uint32_t seed = 4242;
        char *s, *s2, *p;
        int i, j, k, copies = 0;

        for (i = 0; i < 1200; i++) {
                if (i % 40 == 0)
                        g_string_append(text, "\fNorthwind Traders thanks you "
                                              "for your continued business "
                                              "and your trust.\n");
                /* 20 random words of four letters: some 10,000 distinct
                 * ones in the 64 KB read. */
                g_string_append(text, "The");
                for (j = 0; j < 20; j++) {
                        g_string_append_c(text, ' ');
                        for (k = 0; k < 4; k++) {
                                seed ^= seed << 13;
                                seed ^= seed >> 17;
                                seed ^= seed << 5;
                                g_string_append_c(text,
                                                  (char)('a' + seed % 26));
                        }
                }
                g_string_append(text, " grew by 12 percent. ");
        }
        s = builtin_summarize(model, "other", NULL, text->str, text->len, "en");
        ck_summary(s, 600);
        ck_assert(strlen(s) > 100);
        for (p = strstr(s, "Northwind"); p; p = strstr(p + 1, "Northwind"))
                copies++;
        ck_assert_int_le(copies, 1);
        s2 = builtin_summarize(model, "other", NULL, text->str, text->len,
                               "en");
        ck_assert_str_eq(s, s2);
        free(s);
        free(s2);
        g_string_free(text, TRUE);
}
END_TEST

/* ---- tokens ---------------------------------------------------------- */

START_TEST(test_tokens)
{
        const char *en = "The quick brown fox jumps over the lazy dog while "
                         "the invoice is paid within thirty days.";
        long t;

        ck_assert_int_eq(builtin_tokens("", 0), 0);
        ck_assert_int_eq(builtin_tokens(NULL, 0), 0);
        ck_assert_int_eq(builtin_tokens("a", 1), 1);
        ck_assert_int_eq(builtin_tokens(" ", 1), 1);
        ck_assert_int_eq(builtin_tokens("\xff", 1), 1);
        ck_assert_int_eq(builtin_tokens("123456", 6), 2);
        ck_assert_int_eq(builtin_tokens("1234567", 7), 3);
        ck_assert_int_eq(builtin_tokens("hello, world", 12), 3);
        /* three CJK characters */
        ck_assert_int_eq(
                builtin_tokens("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 9), 3);
        /* English prose: about 4 bytes a token */
        t = builtin_tokens(en, strlen(en));
        ck_assert_msg(t >= (long)strlen(en) / 5 && t <= (long)strlen(en) / 3,
                      "%ld tokens for %zu bytes", t, strlen(en));
        t = builtin_tokens(inv_de, strlen(inv_de));
        ck_assert(t >= (long)strlen(inv_de) / 6 &&
                  t <= (long)strlen(inv_de) / 2);
}
END_TEST

/* Each kind of run, as the heuristic at builtin_tokens counts it. */
START_TEST(test_tokens_runs)
{
        static const struct {
                const char *text;
                size_t len;
                long want;
        } cases[] = {
                {"abcdefghijk", 11, 3},              /* letters: 1 per 5 */
                {"a\xc3\xa9\xc3\xa9\xc3\xa9", 7, 2}, /* letters run on */
                {"\xc3\xa9z", 3, 2},                 /* but not after é */
                {"a b", 3, 2},  /* a single space is free */
                {"a  b", 4, 3}, /* two are one token */
                {"a\nb", 3, 3}, /* so is a newline */
                {"\t", 1, 1},
                {"1,234.56", 8, 5},          /* digits 1 per 3 */
                {"....", 4, 2},              /* punctuation 1 per 3 */
                {"\0\0\0", 3, 1},            /* NUL is punctuation */
                {"\xe2\x82\xac", 3, 1},      /* 3-byte: 1 each */
                {"\xf0\x9f\x98\x80!", 5, 2}, /* 4-byte: 1 each */
                {"\xc3(", 2, 2},             /* invalid byte: 1 */
                {"\xc3", 1, 1},              /* cut sequence: 1 */
                {"\xed\xa0\x80", 3, 3},      /* surrogate: 3 bytes */
        };
        size_t i;

        for (i = 0; i < G_N_ELEMENTS(cases); i++)
                ck_assert_msg(builtin_tokens(cases[i].text, cases[i].len) ==
                                      cases[i].want,
                              "case %zu: %ld tokens, want %ld", i,
                              builtin_tokens(cases[i].text, cases[i].len),
                              cases[i].want);
}
END_TEST

/* ---- robustness ------------------------------------------------------ */

/* Deterministic pseudo-random bytes (xorshift). */
static void fill_random(char *p, size_t n, uint32_t seed, int printable)
{
        size_t i;

        for (i = 0; i < n; i++) {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                p[i] = printable ? (char)(' ' + seed % 95) : (char)(seed >> 8);
                if (printable && seed % 11 == 0)
                        p[i] = "\n\f.,:-/0123456789"[seed % 17];
        }
}

static void ck_all(struct builtin *b, const char *text, size_t len)
{
        static const char *const classes[] = {"invoice",
                                              "receipt",
                                              "bank_statement",
                                              "annual_report",
                                              "financial_report",
                                              "contract",
                                              "tax_form",
                                              "other",
                                              NULL};
        const char *cls;
        double conf;
        char lang[8];
        json_t *f;
        char *s;
        size_t i, k;
        int ok = 0;

        builtin_language(b, text, len, lang);
        ck_assert(strlen(lang) >= 2 && strlen(lang) <= 3);
        builtin_classify(b, text, len, &cls, &conf);
        for (k = 0; k < G_N_ELEMENTS(taxonomy); k++)
                ok |= strcmp(cls, taxonomy[k]) == 0;
        ck_assert(ok);
        ck_assert(conf >= 0.0 && conf <= 1.0);
        for (i = 0; i <= G_N_ELEMENTS(classes); i++) {
                f = builtin_fields(b, classes[i % G_N_ELEMENTS(classes)], text,
                                   len, lang);
                ck_assert(json_is_object(f));
                s = builtin_summarize(b, cls, f, text, len, lang);
                ck_summary(s, 600);
                free(s);
                json_decref(f);
        }
        ck_assert(len == 0 || builtin_tokens(text, len) > 0);
}

START_TEST(test_garbage)
{
        size_t n = 300 * 1024, i;
        char *buf = malloc(n);

        ck_assert_ptr_nonnull(buf);
        /* Binary noise, including NUL bytes inside the length. */
        fill_random(buf, n, 12345, 0);
        ck_all(model, buf, n);
        /* Printable noise with lines, pages, digits and separators. */
        fill_random(buf, n, 777, 1);
        ck_all(model, buf, n);
        /* One endless line of digits and separators. */
        for (i = 0; i < n; i++)
                buf[i] = "1.234,5 /-"[i % 10];
        ck_all(model, buf, n);
        /* Only page breaks, only spaces, only a multibyte prefix. */
        memset(buf, '\f', n);
        ck_all(model, buf, n);
        memset(buf, ' ', n);
        ck_all(model, buf, n);
        ck_all(model, "\xe2\x82", 2);
        ck_all(model, "\xc3", 1);
        /* Many labels without values, repeated. */
        for (i = 0; i + 32 < n; i += 32)
                memcpy(buf + i, "Total:\nInvoice #\nDate:\nIBAN DE\n", 32);
        ck_all(model, buf, n);
        free(buf);
}
END_TEST

START_TEST(test_long_document)
{
        GString *text = g_string_new(NULL);
        const char *cls;
        double conf;

        /* 2 MB: the work stays bounded by the caps, and the evidence in
         * the tail still counts. */
        while (text->len < 2 * 1024 * 1024)
                g_string_append(text, "Lorem ipsum dolor sit amet, "
                                      "consectetur adipiscing elit.\n");
        g_string_append(text, inv_en);
        builtin_classify(model, text->str, text->len, &cls, &conf);
        ck_assert_str_eq(cls, "invoice");
        ck_all(model, text->str, text->len);
        g_string_free(text, TRUE);
}
END_TEST

/* ---- threads --------------------------------------------------------- */

struct worker_arg {
        const char *text;
        const char *want_lang;
        const char *want_cls;
        int bad;
};

static void *worker(void *p)
{
        struct worker_arg *a = p;
        const char *cls;
        double conf;
        char lang[8];
        char *s;
        int i;

        for (i = 0; i < 20; i++) {
                builtin_language(model, a->text, strlen(a->text), lang);
                builtin_classify(model, a->text, strlen(a->text), &cls, &conf);
                s = builtin_summarize(model, cls, NULL, a->text,
                                      strlen(a->text), lang);
                free(s);
                if (strcmp(lang, a->want_lang) != 0 ||
                    strcmp(cls, a->want_cls) != 0)
                        a->bad++;
        }
        return NULL;
}

START_TEST(test_threads)
{
        struct worker_arg args[] = {{inv_de, "de", "invoice", 0},
                                    {inv_fr, "fr", "invoice", 0},
                                    {letter_en, "en", "other", 0},
                                    {contract_en, "en", "contract", 0}};
        pthread_t th[G_N_ELEMENTS(args)];
        size_t i;

        for (i = 0; i < G_N_ELEMENTS(args); i++)
                ck_assert_int_eq(pthread_create(&th[i], NULL, worker, &args[i]),
                                 0);
        for (i = 0; i < G_N_ELEMENTS(args); i++) {
                pthread_join(th[i], NULL);
                ck_assert_int_eq(args[i].bad, 0);
        }
}
END_TEST

/* ---- layouts: rows of labels, columns side by side ------------------- */

/* A row of labels over a row of values, with colons and without
 * (the vocabulary splits it), in three languages. */
START_TEST(test_header_rows)
{
        json_t *o = fields("invoice",
                           "Azure Interior\n"
                           "Invoice INV/2023/03/0008\n"
                           "Invoice Date: Due Date: Reference:\n"
                           "03/20/2023 04/04/2023 CUSTREF123\n"
                           "Total $ 279.84\n",
                           "en");

        ck_field(o, "invoice_number", "INV/2023/03/0008");
        ck_field(o, "issue_date", "2023-03-20");
        ck_field(o, "due_date", "2023-04-04");
        json_decref(o);

        o = fields("invoice",
                   "Kopie factuur\n"
                   "Klant Order Factuur datum Factuur Vervaldatum\n"
                   "SCONL0303006280999 SCONL000000444 8-9-2022 "
                   "VF1005193039 22-9-2022\n"
                   "Prijzen zijn inclusief BTW Factuur totaal EUR 49,99\n",
                   "nl");
        ck_field(o, "invoice_number", "VF1005193039");
        ck_field(o, "issue_date", "2022-09-08");
        ck_field(o, "due_date", "2022-09-22");
        /* "Klant" heads a column of numbers: no customer name. */
        ck_field(o, "customer", NULL);
        json_decref(o);

        /* An unknown qualifier of a date is still a date's column; the
         * issue date's label is followed by the next column's ("Due"). */
        o = fields("invoice",
                   "FACTURE\n"
                   "Numéro de facture Date de facture Uiterste betaaldatum\n"
                   "F-117 12 mars 2024 11 avril 2024\n"
                   "Invoice Number Issue date Due date PO date\n",
                   "fr");
        ck_field(o, "invoice_number", "F-117");
        ck_field(o, "issue_date", "2024-03-12");
        json_decref(o);

        /* Rows that do not line up: dates go to dates and the rest to the
         * rest when those counts agree (one number, one number label);
         * two date labels over one date give nothing rather than a
         * guess. */
        o = fields("invoice",
                   "Invoice Number: Date: Due date:\n"
                   "117 12.03.2024\n",
                   "de");
        ck_field(o, "invoice_number", "117");
        ck_field(o, "issue_date", NULL);
        ck_field(o, "due_date", NULL);
        json_decref(o);
}
END_TEST

/* Columns run together on one physical line: the customer's name stops
 * where the next column's label starts; a label that ends a line beside
 * another column has its value at the end of the next line. */
START_TEST(test_columns)
{
        json_t *o = fields("invoice",
                           "Redwood Systems plc TAX INVOICE\n"
                           "41 Park Row\n"
                           "Billed to: Invoice Number: INV-21-17251\n"
                           "Peter Johnson Due by: 15/08/2021\n"
                           "304 Park Row Date: 16/06/2021\n"
                           "Total due 1,234.50 GBP\n",
                           "en");

        ck_field(o, "customer", "Peter Johnson");
        ck_field(o, "invoice_number", "INV-21-17251");
        /* British: day first. */
        ck_field(o, "issue_date", "2021-06-16");
        ck_field(o, "due_date", "2021-08-15");
        ck_field(o, "vendor", "Redwood Systems plc");
        json_decref(o);

        o = fields("invoice",
                   "Conseil Crescent S.A. FACTURE\n"
                   "Date de facture 2022-10-25 Adresse de facturation\n"
                   "Conditions de paiement 30 jours net Meridian Capital "
                   "S.A.\n"
                   "Numéro de facture 7041248 363, rue de la République\n"
                   "Montant total 7 962,00 EUR\n",
                   "fr");
        ck_field(o, "customer", "Meridian Capital S.A.");
        ck_field(o, "invoice_number", "7041248");
        ck_field(o, "total", "7962.00");
        json_decref(o);

        /* A value that runs into a label without a colon, or into a
         * table's header. */
        o = fields("invoice",
                   "Rechnungsempfänger:\n"
                   "Halden Kapital GmbH AUFTRAGSDATUM 30. Dezember 2023\n"
                   "Rechnung Nr. RE-7 vom 02.01.2024\n"
                   "Gesamtbetrag 100,00 EUR\n",
                   "de");
        ck_field(o, "customer", "Halden Kapital GmbH");
        ck_field(o, "invoice_number", "RE-7");
        ck_field(o, "issue_date", "2024-01-02");
        json_decref(o);
}
END_TEST

/* A letter: the recipient under the sender's line, the number and the
 * date in one sentence; a letterhead wrapped in a narrow column. */
START_TEST(test_letter_layout)
{
        json_t *o = fields("invoice",
                           "Crescent Technik SA\n"
                           "Crescent Technik SA, Marktgasse 384, 1204 "
                           "Genève\n"
                           "Robert Visser\n"
                           "Seefeldstrasse 455\n"
                           "8001 Zürich\n"
                           "Genève, 23.2.2025\n"
                           "Rechnung Nr. RG2025-207 vom 23.2.2025\n"
                           "Gesamtsumme CHF 27'304.51\n",
                           "de");

        ck_field(o, "customer", "Robert Visser");
        ck_field(o, "vendor", "Crescent Technik SA");
        ck_field(o, "invoice_number", "RG2025-207");
        ck_field(o, "issue_date", "2025-02-23");
        ck_field(o, "total", "27304.51");
        ck_field(o, "currency", "CHF");
        json_decref(o);

        o = fields("invoice",
                   "Calloway Trading\n"
                   "Invoice\n"
                   "Corp.\n"
                   "294 Madison Avenue\n"
                   "Invoice No.: 2025/8516\n"
                   "Billed to:\n"
                   "Kestrel Foods Corp.\n"
                   "Amount due: $5,096.48\n",
                   "en");
        ck_field(o, "vendor", "Calloway Trading Corp.");
        ck_field(o, "customer", "Kestrel Foods Corp.");
        ck_field(o, "invoice_number", "2025/8516");
        json_decref(o);

        /* A footer names the company the letterhead wrapped. */
        o = fields("invoice",
                   "COPIE\n"
                   "Fabrication\n"
                   "FACTURE\n"
                   "Westbrook SAS\n"
                   "Facture N°: F43413446\n"
                   "Montant TTC: 157 439,34 €\n"
                   "Fabrication Westbrook SAS - 146, rue de Rivoli, 75001 "
                   "Paris\n",
                   "fr");
        ck_field(o, "vendor", "Fabrication Westbrook SAS");
        ck_field(o, "invoice_number", "F43413446");
        json_decref(o);
}
END_TEST

/* Details of values in five languages: "n.º", "Rs", dates of a British
 * and an American invoice, written Spanish dates. */
START_TEST(test_values_more)
{
        json_t *o = fields("invoice",
                           "FACTURA\n"
                           "Factura n.º F-2025-6148\n"
                           "Fecha de factura 9 de diciembre de 2025\n"
                           "Pagar antes del 23/01/2026\n"
                           "Total factura 1.438,92 €\n",
                           "es");

        ck_field(o, "invoice_number", "F-2025-6148");
        ck_field(o, "issue_date", "2025-12-09");
        ck_field(o, "due_date", "2026-01-23");
        ck_field(o, "total", "1438.92");
        ck_field(o, "currency", "EUR");
        json_decref(o);

        o = fields("receipt",
                   "PAYMENT RECEIPT\n"
                   "Grand Total Rs 1939\n"
                   "Balance ( if any ) Rs 0\n",
                   "en");
        ck_field(o, "total", "1939.00");
        ck_field(o, "currency", "INR");
        json_decref(o);

        /* 08/02/2023: day first in pounds, month first in dollars. */
        o = fields("invoice",
                   "Date Invoice Number\n08/02/2023 2023003960\n"
                   "Amount due 18,654.62 £\n",
                   "en");
        ck_field(o, "issue_date", "2023-02-08");
        ck_field(o, "invoice_number", "2023003960");
        json_decref(o);
        o = fields("invoice",
                   "Date Invoice Number\n08/02/2023 2023003960\n"
                   "Amount due $18,654.62\n",
                   "en");
        ck_field(o, "issue_date", "2023-08-02");
        json_decref(o);
}
END_TEST

/* Contracts: numbered parties, a date the PDF wrapped, the governing law
 * in the country's words and past the head of a long text; tax forms:
 * the year beside the form's number, names in boxes. */
START_TEST(test_contract_tax_more)
{
        GString *t = g_string_new(NULL);
        json_t *o;
        int i;

        g_string_append(t, "Rahmenvertrag\n"
                           "Dieser Rahmenvertrag (der \"Vertrag\") wird mit "
                           "Wirkung zum 24.\nJuli 2021 (das "
                           "\"Inkrafttreten\") geschlossen zwischen:\n"
                           "(1) Ostwald Software AG, mit Sitz in Zürich "
                           "(nachfolgend \"Auftraggeber\") und\n"
                           "(2) Aldridge Maschinenbau GmbH, mit Sitz in "
                           "Köln (nachfolgend \"Auftragnehmer\").\n");
        for (i = 0; i < 900; i++)
                g_string_append(t, "Der Auftragnehmer verpflichtet sich, "
                                   "alle Informationen vertraulich zu "
                                   "behandeln.\n");
        g_string_append(t, "35. Anwendbares Recht\nDieser Vertrag "
                           "untersteht schweizerischem Recht.\n");
        o = builtin_fields(model, "contract", t->str, t->len, "de");
        ck_assert_int_eq(json_array_size(json_object_get(o, "parties")), 2);
        ck_assert_str_eq(json_string_value(json_array_get(
                                 json_object_get(o, "parties"), 0)),
                         "Ostwald Software AG");
        ck_assert_str_eq(json_string_value(json_array_get(
                                 json_object_get(o, "parties"), 1)),
                         "Aldridge Maschinenbau GmbH");
        ck_field(o, "effective_date", "2021-07-24");
        ck_field(o, "governing_law", "Switzerland");
        json_decref(o);
        g_string_free(t, TRUE);

        o = fields("tax_form",
                   "Form OMB No. 1545-0074\n"
                   "U.S. Individual Income Tax Return\n"
                   "1040 2023\n"
                   "Your first name and middle initial Last name Your "
                   "social security number\n"
                   "Mia Wilson XXX-XX-2915\n",
                   "en");
        ck_field(o, "form", "1040");
        ck_field(o, "tax_year", "2023");
        ck_field(o, "taxpayer", "Mia Wilson");
        json_decref(o);

        o = fields("tax_form",
                   "An das Finanzamt\n"
                   "Einkommensteuererklärung 2024\n"
                   "Steuernummer Veranlagungszeitraum\n"
                   "62/759/71587 2024\n"
                   "Vorname Name\n"
                   "James Müller\n",
                   "de");
        ck_field(o, "form", "Einkommensteuererklärung");
        ck_field(o, "tax_year", "2024");
        ck_field(o, "taxpayer", "James Müller");
        json_decref(o);
}
END_TEST

/* Reports: the table's exact figure, not the letter's rounded one; two
 * columns of figures grouped by spaces cannot be told apart, so nothing
 * rather than a wrong number. */
START_TEST(test_report_figures)
{
        json_t *o = fields("annual_report",
                           "Elmhurst Capital Corp.\n"
                           "Annual Report 2022\n"
                           "Revenue 2,653,174,132 2,310,121,142\n"
                           "Net income 317,154,706 345,530,249\n"
                           "Revenue increased by 14.8% to USD 2,653.2 "
                           "million, and net income reached USD 317.2 "
                           "million.\n"
                           "Consolidated Income Statement\n",
                           "en");

        ck_field(o, "revenue", "2653174132.00");
        ck_field(o, "net_income", "317154706.00");
        json_decref(o);

        o = fields("annual_report",
                   "Rapport annuel 2019\n"
                   "Chiffre d'affaires 299 766 838 308 656 134\n"
                   "Résultat net 50 582 438 57 900 806\n"
                   "Le Groupe a augmenté le chiffre d'affaires de 5.1 pour "
                   "cent conformément à la norme IFRS 9.\n"
                   "Compte de résultat consolidé\n",
                   "fr");
        ck_field(o, "revenue", NULL);
        ck_field(o, "net_income", NULL);
        json_decref(o);
}
END_TEST

/* What a document is, in five languages, whatever its item table says;
 * and the look-alikes of an invoice are "other". */
START_TEST(test_classify_more)
{
        const char *cls;
        double conf;

        classify("Consultoría Ostwald S.L. FACTURA\n"
                 "Factura n.º F-2025-6148\n"
                 "Fecha de factura 09/12/2025\n"
                 "1 Contrato de mantenimiento anual 1 4.892,00 4.892,00\n"
                 "2 Contrato de mantenimiento anual 1 3.100,00 3.100,00\n"
                 "3 Contrato de soporte 2 1.000,00 2.000,00\n"
                 "Base imponible 9.992,00\nIVA 21 % 2.098,32\n"
                 "Total 12.090,32 €\n",
                 &cls, &conf);
        ck_assert_str_eq(cls, "invoice");
        classify("Harborview Hardware\nKASSENBON\n"
                 "Vollmilch 1L 1,29\nSUMME EUR 1,29\n"
                 "Vielen Dank für Ihren Einkauf!\n",
                 &cls, &conf);
        ck_assert_str_eq(cls, "receipt");
        classify("Logística Hartmann S.L. PRESUPUESTO\n"
                 "Presupuesto n.º: Q-83532\nFecha: 20/02/2024\n"
                 "3 Licencia de software 3.677,00 11.031,00\n"
                 "Total: 22.687,00 EUR\n"
                 "Esta oferta es válida hasta el 16/05/2025.\n",
                 &cls, &conf);
        ck_assert_str_eq(cls, "other");
        classify("Granite Lebensmittel GmbH LIEFERSCHEIN\n"
                 "Lieferschein-Nr. DN-57060\nDatum 17. November 2023\n"
                 "Menge Bezeichnung\n1 Beratung Senior Consultant (Std.)\n",
                 &cls, &conf);
        ck_assert_str_eq(cls, "other");
}
END_TEST

/* Short texts textcat cannot place: the words decide; names from other
 * languages do not lead an English statement astray. */
START_TEST(test_language_words)
{
        char lang[8];
        static const char receipt_de[] =
                "Marktkauf Linden\nKASSENBON\nVollmilch 1L 1,29\n"
                "Bergkäse 200g 3,49\nSUMME EUR 4,78\nKasse: Anna\n"
                "Vielen Dank für Ihren Einkauf!\n";
        static const char statement_en[] =
                "First Meridian Bank Account Statement\n"
                "Opening balance on 01/09/2024 GBP 6,422.08\n"
                "Card payment Boulangerie Moreau 110.53\n"
                "Card payment Supermercado Sol 177.77\n"
                "Transfer to Michael Smith 113.53\n"
                "Direct debit Granite Trading LLP 833.22\n"
                "Please examine this statement and tell us about any "
                "discrepancy within 30 days of the date of this "
                "statement.\n";

        builtin_language(model, receipt_de, strlen(receipt_de), lang);
        ck_assert_str_eq(lang, "de");
        builtin_language(model, statement_en, strlen(statement_en), lang);
        ck_assert_str_eq(lang, "en");
}
END_TEST

/* The lead speaks the document's language; rows of labels and footers
 * are not sentences of the summary. */
START_TEST(test_summary_language)
{
        json_t *f = json_pack("{ss ss ss ss ss}", "invoice_number", "F-117",
                              "vendor", "Dupont SARL", "currency", "EUR",
                              "total", "1234.56", "issue_date", "2024-03-12");
        char *s = builtin_summarize(model, "invoice", f, NULL, 0, "fr");

        ck_assert_str_eq(s, "Facture F-117 de Dupont SARL, 1 234,56 EUR, "
                            "émise le 2024-03-12.");
        free(s);
        s = builtin_summarize(model, "invoice", f, NULL, 0, "xx");
        ck_assert_str_eq(s, "Invoice F-117 from Dupont SARL, EUR 1,234.56, "
                            "issued 2024-03-12.");
        free(s);
        s = builtin_summarize(
                model, "invoice", f,
                "FACTUURNR.: FACTUUR DATUM: VERVALDATUM: ORDERNUMMER:\n"
                "Dupont SARL - 68, avenue des Champs, 69002 Lyon - "
                "www.dupont.fr\n"
                "Nous vous remercions de votre confiance et restons à "
                "votre disposition pour toute question.\n",
                200, "fr");
        ck_assert_ptr_null(strstr(s, "FACTUURNR"));
        ck_assert_ptr_null(strstr(s, "www"));
        ck_assert_ptr_nonnull(strstr(s, "Nous vous remercions"));
        free(s);
        json_decref(f);
}
END_TEST

/* ---- suite ----------------------------------------------------------- */

static void add(Suite *s, const char *name, const TTest *t)
{
        TCase *tc = tcase_create(name);

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, t);
        suite_add_tcase(s, tc);
}

static Suite *builtin_suite(void)
{
        Suite *s = suite_create("builtin");

        add(s, "new_errors", test_new_errors);
        add(s, "new_lang_dir", test_new_lang_dir);
        add(s, "new_languages", test_new_languages);
        add(s, "language", test_language);
        add(s, "language_unknown", test_language_unknown);
        add(s, "classify_invoice", test_classify_invoice);
        add(s, "classify_receipt", test_classify_receipt);
        add(s, "classify_bank", test_classify_bank);
        add(s, "classify_reports", test_classify_reports);
        add(s, "classify_contract_tax", test_classify_contract_tax);
        add(s, "classify_unsure", test_classify_unsure);
        add(s, "classify_taxonomy", test_classify_taxonomy);
        add(s, "classify_fold", test_classify_fold);
        add(s, "classify_counts", test_classify_counts);
        add(s, "amount_styles", test_amount_styles);
        add(s, "amount_refused", test_amount_refused);
        add(s, "date_styles", test_date_styles);
        add(s, "date_refused", test_date_refused);
        add(s, "fields_invoice_de", test_fields_invoice_de);
        add(s, "fields_invoice_en", test_fields_invoice_en);
        add(s, "fields_invoice_fr_nl", test_fields_invoice_fr_nl);
        add(s, "invoice_number_not_date", test_invoice_number_not_date);
        add(s, "label_lines", test_label_lines);
        add(s, "total_not_subtotal", test_total_not_subtotal);
        add(s, "fields_receipt", test_fields_receipt);
        add(s, "fields_receipt_ocr_zero", test_fields_receipt_ocr_zero);
        add(s, "fields_bank", test_fields_bank);
        add(s, "fields_reports", test_fields_reports);
        add(s, "fields_contract", test_fields_contract);
        add(s, "fields_tax_other", test_fields_tax_other);
        add(s, "summary_lead", test_summary_lead);
        add(s, "summary_extract", test_summary_extract);
        add(s, "summary_bounds", test_summary_bounds);
        add(s, "summary_invalid_utf8", test_summary_invalid_utf8);
        add(s, "summary_many_words", test_summary_many_words);
        add(s, "tokens", test_tokens);
        add(s, "tokens_runs", test_tokens_runs);
        add(s, "garbage", test_garbage);
        add(s, "long_document", test_long_document);
        add(s, "threads", test_threads);
        add(s, "header_rows", test_header_rows);
        add(s, "columns", test_columns);
        add(s, "letter_layout", test_letter_layout);
        add(s, "values_more", test_values_more);
        add(s, "contract_tax_more", test_contract_tax_more);
        add(s, "report_figures", test_report_figures);
        add(s, "classify_more", test_classify_more);
        add(s, "language_words", test_language_words);
        add(s, "summary_language", test_summary_language);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(builtin_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
