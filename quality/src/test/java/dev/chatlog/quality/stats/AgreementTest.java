package dev.chatlog.quality.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatlog.quality.stats.Agreement.Kappa;
import dev.chatlog.quality.stats.Agreement.Weights;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cohen's and weighted kappa, with their standard errors, against published examples and SAS's printed output. */
class AgreementTest {

    @Test
    void should_give_the_textbook_kappa_of_a_two_by_two_table() {
        // Wikipedia, "Cohen's kappa", worked example: 50 proposals, both yes 20, A yes B no 5, A no B yes 10, both no 15;
        // po = 0.7, pe = 0.5, kappa = 0.4
        Kappa k = Agreement.kappa(new long[][] {{20, 5}, {10, 15}}, Weights.NONE, 0.95);
        assertEquals(0.4, k.kappa(), 1e-12);
        assertEquals(0.7, k.observedAgreement(), 1e-12);
        assertEquals(0.5, k.chanceAgreement(), 1e-12);
        assertEquals(50, k.pairs());
        assertTrue(k.defined());
        assertNull(k.undefinedReason());
    }

    @Test
    void should_give_fleiss_kappa_for_the_psychiatric_diagnoses() {
        // Fleiss JL, Statistical Methods for Rates and Proportions, 2nd ed. 1981, p. 213 (3rd ed. with Levin & Paik 2003,
        // ch. 18): 100 subjects, psychotic / neurotic / organic; po = 0.89, pe = 0.66, kappa = 0.23 / 0.34 = 0.676
        Kappa k = Agreement.kappa(new long[][] {{75, 1, 4}, {5, 4, 1}, {0, 0, 10}}, Weights.NONE, 0.95);
        assertEquals(0.89, k.observedAgreement(), 1e-12);
        assertEquals(0.66, k.chanceAgreement(), 1e-12);
        assertEquals(0.676, k.kappa(), 0.5e-3);
    }

    @Test
    void should_give_sas_kappa_standard_error_and_interval() {
        // SAS/STAT PROC FREQ, AGREE, 3 x 3 table {{0,4,1},{0,8,0},{0,1,5}}, as printed by SAS and reproduced in the
        // statsmodels test suite (statsmodels/stats/tests/test_inter_rater.py): simple kappa 0.4842, ASE 0.1380,
        // 95% limits 0.2137 to 0.7547; weighted kappa (Cicchetti–Allison weights, i.e. linear) 0.4701, ASE 0.1457,
        // 95% limits 0.1845 to 0.7558. SAS's ASE is the Fleiss, Cohen & Everitt (1969) standard error.
        long[][] table = {{0, 4, 1}, {0, 8, 0}, {0, 1, 5}};
        Kappa simple = Agreement.kappa(table, Weights.NONE, 0.95);
        assertEquals(0.4842, simple.kappa(), 0.5e-4);
        assertEquals(0.1380, simple.standardError(), 0.5e-4);
        assertEquals(0.2137, simple.interval().lower(), 0.5e-4);
        assertEquals(0.7547, simple.interval().upper(), 0.5e-4);
        Kappa linear = Agreement.kappa(table, Weights.LINEAR, 0.95);
        assertEquals(0.4701, linear.kappa(), 0.5e-4);
        assertEquals(0.1457, linear.standardError(), 0.5e-4);
        assertEquals(0.1845, linear.interval().lower(), 0.5e-4);
        assertEquals(0.7558, linear.interval().upper(), 0.5e-4);
    }

    @Test
    void should_give_the_sas_skin_condition_kappa_and_interval() {
        // SAS/STAT User's Guide, The FREQ Procedure, Getting Started: "Agreement Study" (Table "Skin Condition Data"):
        // two dermatologists, terrible / poor / marginal / clear; simple kappa 0.3449, 95% limits 0.2030 to 0.4868
        long[][] table = {{10, 4, 1, 0}, {5, 10, 12, 2}, {2, 4, 12, 5}, {0, 2, 6, 13}};
        Kappa k = Agreement.kappa(table, Weights.NONE, 0.95);
        assertEquals(0.3449, k.kappa(), 0.5e-4);
        assertEquals(0.2030, k.interval().lower(), 0.5e-4);
        assertEquals(0.4868, k.interval().upper(), 0.5e-4);
        assertEquals(88, k.pairs());
    }

    @Test
    void should_give_altmans_kappa_and_linear_weighted_kappa() {
        // Altman DG, Practical Statistics for Medical Research, 1991, section 14.3, Table 14.2: two radiologists,
        // 85 xeromammograms, normal / benign / suspected cancer / cancer (Boyd et al. 1982): kappa 0.47, weighted kappa
        // (w = 1 - |i - j| / (g - 1)) 0.57. Stata's kappaetc on the same data (webuse rate2): 0.4728.
        long[][] radiologists = {{21, 12, 0, 0}, {4, 17, 1, 0}, {3, 9, 15, 2}, {0, 0, 0, 1}};
        assertEquals(0.4728, Agreement.kappa(radiologists, Weights.NONE, 0.95).kappa(), 0.5e-4);
        assertEquals(0.57, Agreement.kappa(radiologists, Weights.LINEAR, 0.95).kappa(), 0.005);
        // Altman, Table 14.3: RAST vs MAST allergy tests, 363 sera, five ordered grades: kappa 0.32, weighted 0.56
        long[][] allergy = {{86, 3, 14, 0, 2}, {26, 0, 10, 4, 0}, {20, 2, 22, 4, 1}, {11, 1, 37, 16, 14}, {3, 0, 15, 24, 48}};
        assertEquals(0.32, Agreement.kappa(allergy, Weights.NONE, 0.95).kappa(), 0.005);
        assertEquals(0.56, Agreement.kappa(allergy, Weights.LINEAR, 0.95).kappa(), 0.005);
    }

    @Test
    void should_give_r_irr_kappas_from_two_raters_labels() {
        // R package irr, data(anxiety), kappa2(anxiety[, 2:3], weight): rater2 and rater3 of 20 subjects, as run in R and
        // recorded in the statsmodels test suite (test_cohens_kappa_irr): unweighted -0.006289308, "equal" (linear)
        // 0.1459075, "squared" (quadratic) 0.2520325. irr uses the levels present, 1 2 3 4 6, equally spaced.
        List<Integer> rater2 = List.of(3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4);
        List<Integer> rater3 = List.of(2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2);
        List<Integer> levels = List.of(1, 2, 3, 4, 6);
        assertEquals(-0.006289308, Agreement.kappa(rater2, rater3, levels, Weights.NONE, 0.95).kappa(), 0.5e-9);
        assertEquals(0.1459075, Agreement.kappa(rater2, rater3, levels, Weights.LINEAR, 0.95).kappa(), 0.5e-7);
        assertEquals(0.2520325, Agreement.kappa(rater2, rater3, levels, Weights.QUADRATIC, 0.95).kappa(), 0.5e-7);
    }

    @Test
    void should_build_the_table_from_labels_in_category_order() {
        long[][] t = Agreement.table(List.of("good", "bad", "good", "ok"), List.of("good", "ok", "bad", "ok"), List.of("bad", "ok", "good"));
        assertArrayEquals(new long[][] {{0, 1, 0}, {0, 1, 0}, {1, 0, 1}}, t);
    }

    @Test
    void should_flag_an_undefined_kappa_instead_of_dividing_by_zero() {
        Kappa none = Agreement.kappa(new long[][] {{0, 0}, {0, 0}}, Weights.NONE, 0.95);
        assertFalse(none.defined());
        assertTrue(Double.isNaN(none.kappa()) && Double.isNaN(none.standardError()) && !none.interval().defined());
        assertTrue(none.undefinedReason().contains("no pairs"));
        assertEquals(0, none.pairs());
        // every pair in one category, for both raters: pe = 1 and kappa = 0/0, whatever the weights
        for (Weights w : Weights.values()) {
            Kappa same = Agreement.kappa(new long[][] {{7, 0, 0}, {0, 0, 0}, {0, 0, 0}}, w, 0.95);
            assertFalse(same.defined());
            assertTrue(Double.isNaN(same.kappa()));
            assertTrue(same.undefinedReason().contains("chance agreement is 1"));
            assertEquals(7, same.pairs());
        }
        assertFalse(Agreement.kappa(List.of("a"), List.of("a"), List.of("a"), Weights.LINEAR, 0.95).defined());
        assertFalse(Agreement.kappa(List.<String>of(), List.<String>of(), List.of("a", "b"), Weights.NONE, 0.95).defined());
    }

    @Test
    void should_give_kappa_one_with_no_spread_for_perfect_agreement() {
        Kappa k = Agreement.kappa(new long[][] {{3, 0}, {0, 5}}, Weights.QUADRATIC, 0.95);
        assertEquals(1, k.kappa(), 1e-12);
        assertEquals(0, k.standardError(), 1e-9);
        assertEquals(1, k.interval().upper(), 1e-12);
    }

    @Test
    void should_refuse_malformed_tables_and_labels() {
        assertThrows(IllegalArgumentException.class, () -> Agreement.kappa(new long[][] {{1, 2}, {3}}, Weights.NONE, 0.95));
        assertThrows(IllegalArgumentException.class, () -> Agreement.kappa(new long[][] {{1, 2, 3}, {3, 4, 5}}, Weights.NONE, 0.95));
        assertThrows(IllegalArgumentException.class, () -> Agreement.kappa(new long[0][], Weights.NONE, 0.95));
        assertThrows(IllegalArgumentException.class, () -> Agreement.kappa(new long[][] {{1, -2}, {3, 4}}, Weights.NONE, 0.95));
        assertThrows(IllegalArgumentException.class, () -> Agreement.kappa(new long[][] {{1, 2}, {3, 4}}, null, 0.95));
        assertThrows(IllegalArgumentException.class, () -> Agreement.kappa(new long[][] {{1, 2}, {3, 4}}, Weights.NONE, 0));
        IllegalArgumentException lengths = assertThrows(IllegalArgumentException.class,
                () -> Agreement.table(List.of("a", "b"), List.of("a"), List.of("a", "b")));
        assertTrue(lengths.getMessage().contains("rater A has 2 labels and rater B 1"), lengths.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Agreement.table(List.of("a", "c"), List.of("a", "b"), List.of("a", "b")));
        assertTrue(unknown.getMessage().contains("item 1 is c"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Agreement.table(List.of("a"), List.of("a"), List.of("a", "a")));
        assertThrows(IllegalArgumentException.class, () -> Agreement.table(List.of("a"), List.of("a"), List.of()));
    }
}
