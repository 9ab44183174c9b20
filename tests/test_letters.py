"""Letters as 5 x 7 patterns: the font, overlaps, and the similar-set ranking."""

import itertools

import numpy as np
import pytest

from ubhop.letters import (
    LOWERCASE,
    UPPERCASE,
    letter,
    letters,
    overlaps,
    rank_similar_sets,
    show,
    similarity,
)


def test_full_alphabet_is_7x5_of_pm1_and_all_distinct():
    assert UPPERCASE == "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert UPPERCASE.lower() == LOWERCASE
    for name in UPPERCASE + LOWERCASE:
        b = letter(name)
        assert b.shape == (7, 5)
        assert set(np.unique(b)) <= {-1, 1}
        assert (b == 1).any() and (b == -1).any()
    for alphabet in (UPPERCASE, LOWERCASE):
        x = letters(alphabet)
        assert x.shape == (26, 35)
        # distinct also up to a global flip: no overlap of two letters is 1
        o = overlaps(x)
        assert np.all(o[~np.eye(26, dtype=bool)] < 1)
        # linearly independent: the projection rule can store all of them
        assert np.linalg.matrix_rank(x.astype(float)) == 26


def test_known_glyphs_and_row_major_order():
    t = letter("T")
    assert t[0].tolist() == [1] * 5                 # the bar
    assert t[1:, 2].tolist() == [1] * 6             # the stem
    assert (t[1:, [0, 1, 3, 4]] == -1).all()
    # row-major: pixel 5 r + c is row r, column c
    np.testing.assert_array_equal(letters("T")[0].reshape(7, 5), t)
    assert show(letters("L")[0]).splitlines()[-1] == "#####"
    # O and Q differ only in the tail: 5 dots of the last three rows
    diff = letter("O") != letter("Q")
    assert diff.sum() == 5 and not diff[:4].any()


def test_similarity_definition():
    x = letters("HI")
    assert similarity(x) == pytest.approx(abs(x[0] @ x[1]) / 35)
    # a set with itself duplicated: every pair is a pattern with itself
    assert similarity(np.vstack([letters("O")] * 2)) == 1.0
    with pytest.raises(ValueError, match="must be distinct"):
        letters("OO")
    assert similarity(np.vstack([x[0], -x[0]])) == 1.0   # a flip is the same memory
    # the mean over pairs of the pairwise values
    s = letters("ABCD")
    pairs = [abs(s[a] @ s[b]) / 35 for a, b in itertools.combinations(range(4), 2)]
    assert similarity(s) == pytest.approx(np.mean(pairs))
    assert similarity("ABCD") == similarity(s)
    # orthogonal patterns have similarity 0
    h = np.array([[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1]])
    assert similarity(h) == 0.0


def test_rank_similar_sets_is_exhaustive_and_sorted():
    ranked = rank_similar_sets(4, top=14950)
    assert len(ranked) == 14950                      # C(26, 4)
    scores = [s for _, s in ranked]
    assert scores == sorted(scores, reverse=True)
    best, score = ranked[0]
    assert score == pytest.approx(similarity(best))
    # brute force on a smaller alphabet agrees
    alpha = "ABCEFGOPQR"
    brute = max(itertools.combinations(alpha, 3),
                key=lambda c: similarity("".join(c)))
    top = rank_similar_sets(3, alphabet=alpha, top=1)[0]
    assert top[1] == pytest.approx(similarity("".join(brute)))
    # the most similar pair of capitals is more alike than an average pair
    o = overlaps(letters(UPPERCASE))
    assert rank_similar_sets(2, top=1)[0][1] > o[np.triu_indices(26, 1)].mean()


def test_bad_input_gives_clear_errors():
    with pytest.raises(ValueError, match="Unknown letter '1'"):
        letter("1")
    with pytest.raises(ValueError, match="single character"):
        letter("AB")
    with pytest.raises(ValueError, match="Unknown letter ' '"):
        letters("A B")
    with pytest.raises(ValueError, match="at least one letter"):
        letters("")
    with pytest.raises(ValueError, match="at least 2 patterns"):
        similarity(letters("A"))
    with pytest.raises(ValueError, match="k must be"):
        rank_similar_sets(1)
    with pytest.raises(ValueError, match="k must be"):
        rank_similar_sets(27)
    with pytest.raises(ValueError, match="repeats"):
        rank_similar_sets(2, alphabet="AAB")
    with pytest.raises(ValueError, match="top"):
        rank_similar_sets(2, top=0)
    with pytest.raises(ValueError, match="exhaustively"):
        rank_similar_sets(13, alphabet=UPPERCASE + LOWERCASE)
