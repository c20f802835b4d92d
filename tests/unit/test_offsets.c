/*
 * Unit tests of offsets.c: commit points with out-of-order completion,
 * generations across revocation, redeliveries, counts.
 */
#include <check.h>
#include <stdlib.h>

#include "../../worker/offsets.h"

START_TEST(test_in_order)
{
        struct offsets *o = offsets_new();
        int64_t g = offsets_assign(o, "t", 0);

        ck_assert_int_eq(offsets_commit_point(o, "t", 0), -1);
        for (int64_t i = 10; i < 13; i++)
                ck_assert_int_eq(offsets_begin(o, "t", 0, i), g);
        ck_assert_uint_eq(offsets_inflight(o), 3);
        ck_assert_int_eq(offsets_commit_point(o, "t", 0), 10);
        ck_assert_int_eq(offsets_done(o, "t", 0, g, 10), 11);
        ck_assert_int_eq(offsets_done(o, "t", 0, g, 11), 12);
        ck_assert_int_eq(offsets_done(o, "t", 0, g, 12), 13);
        ck_assert_uint_eq(offsets_inflight(o), 0);
        ck_assert_int_eq(offsets_commit_point(o, "t", 0), 13);
        offsets_free(o);
}
END_TEST

START_TEST(test_out_of_order)
{
        struct offsets *o = offsets_new();
        int64_t g = offsets_assign(o, "t", 3);

        for (int64_t i = 0; i < 5; i++)
                offsets_begin(o, "t", 3, i);
        /* 1..4 finish first: nothing may be committed past 0. */
        for (int64_t i = 4; i >= 1; i--)
                ck_assert_int_eq(offsets_done(o, "t", 3, g, i), -1);
        ck_assert_int_eq(offsets_commit_point(o, "t", 3), 0);
        /* 0 finishes: everything below 5 is done. */
        ck_assert_int_eq(offsets_done(o, "t", 3, g, 0), 5);
        offsets_free(o);
}
END_TEST

START_TEST(test_gaps_and_growth)
{
        struct offsets *o = offsets_new();
        int64_t g = offsets_assign(o, "t", 0);

        /* Offsets with gaps (compaction, transaction markers), more than
         * the ring's first size. */
        for (int64_t i = 0; i < 1000; i++)
                ck_assert_int_eq(offsets_begin(o, "t", 0, i * 3), g);
        for (int64_t i = 999; i >= 1; i--)
                offsets_done(o, "t", 0, g, i * 3);
        ck_assert_int_eq(offsets_commit_point(o, "t", 0), 0);
        ck_assert_int_eq(offsets_done(o, "t", 0, g, 0), 2998);
        /* An offset never taken, and a second completion, change
         * nothing. */
        ck_assert_int_eq(offsets_done(o, "t", 0, g, 5), -1);
        ck_assert_int_eq(offsets_done(o, "t", 0, g, 3), -1);
        offsets_free(o);
}
END_TEST

START_TEST(test_revoke_generation)
{
        struct offsets *o = offsets_new();
        int64_t g1 = offsets_assign(o, "t", 1), g2;

        offsets_begin(o, "t", 1, 7);
        offsets_begin(o, "t", 1, 8);
        offsets_revoke(o, "t", 1);
        ck_assert_uint_eq(offsets_inflight(o), 0);
        /* Not assigned: nothing is taken or stored. */
        ck_assert_int_eq(offsets_begin(o, "t", 1, 9), -1);
        ck_assert_int_eq(offsets_done(o, "t", 1, g1, 7), -1);
        g2 = offsets_assign(o, "t", 1);
        ck_assert_int_ne(g1, g2);
        /* Redelivered from 7 to the new owner generation. */
        ck_assert_int_eq(offsets_begin(o, "t", 1, 7), g2);
        /* A late completion of the old generation is ignored. */
        ck_assert_int_eq(offsets_done(o, "t", 1, g1, 7), -1);
        ck_assert_int_eq(offsets_commit_point(o, "t", 1), 7);
        ck_assert_int_eq(offsets_done(o, "t", 1, g2, 7), 8);
        offsets_free(o);
}
END_TEST

START_TEST(test_redelivery_refused)
{
        struct offsets *o = offsets_new();
        int64_t g = offsets_assign(o, "t", 0);

        ck_assert_int_eq(offsets_begin(o, "t", 0, 5), g);
        ck_assert_int_eq(offsets_begin(o, "t", 0, 5), -1);
        ck_assert_int_eq(offsets_begin(o, "t", 0, 4), -1);
        ck_assert_uint_eq(offsets_inflight(o), 1);
        offsets_free(o);
}
END_TEST

START_TEST(test_partitions_independent)
{
        struct offsets *o = offsets_new();
        int64_t ga = offsets_assign(o, "a", 0);
        int64_t gb = offsets_assign(o, "b", 0);

        offsets_begin(o, "a", 0, 1);
        offsets_begin(o, "b", 0, 100);
        ck_assert_int_eq(offsets_done(o, "b", 0, gb, 100), 101);
        ck_assert_int_eq(offsets_commit_point(o, "a", 0), 1);
        ck_assert_int_eq(offsets_done(o, "a", 0, ga, 1), 2);
        for (int p = 0; p < 64; p++)
                offsets_assign(o, "many", p);
        ck_assert_int_eq(offsets_commit_point(o, "many", 63), -1);
        offsets_free(o);
        offsets_free(NULL);
}
END_TEST

static Suite *offsets_suite(void)
{
        Suite *s = suite_create("offsets");
        TCase *tc;

        tc = tcase_create("commit point");
        tcase_add_test(tc, test_in_order);
        tcase_add_test(tc, test_out_of_order);
        tcase_add_test(tc, test_gaps_and_growth);
        suite_add_tcase(s, tc);
        tc = tcase_create("assignment");
        tcase_add_test(tc, test_revoke_generation);
        tcase_add_test(tc, test_redelivery_refused);
        tcase_add_test(tc, test_partitions_independent);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(offsets_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
