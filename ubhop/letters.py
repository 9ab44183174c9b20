"""Letters as 5 x 7 dot-matrix bitmaps of +1/-1: the 35-node patterns.

The glyphs are those of the Hitachi HD44780U character generator ROM, code
A00 (the standard 5 x 8 dot character font of HD44780-compatible LCD modules;
rows 1-7 of each cell, the eighth row being the cursor line), typed in below as
strings: ``#`` is a lit dot (+1), ``.`` a dark one (-1). Uppercase ``A``-``Z``
and lowercase ``a``-``z`` are given; lowercase letters with a descender
(``g j p q y``) are the ROM's compressed 5 x 8 forms, which fit in 7 rows.

A letter becomes a 35-node pattern row by row (row-major, top row first):
node ``5 r + c`` is the dot in row ``r`` and column ``c``. The overlap of two
patterns is ``|x_a . x_b| / N``: 1 for equal patterns and for a pattern and its
global flip (a Hopfield network cannot tell them apart), 0 for orthogonal ones.
"""

from __future__ import annotations

import itertools
from math import comb

import numpy as np

ROWS, COLS = 7, 5
N_PIXELS = ROWS * COLS

# HD44780U ROM A00, rows 1-7 of the 5 x 8 cells ('#' lit, '.' dark)
_UPPER = {
    "A": (".###.", "#...#", "#...#", "#...#", "#####", "#...#", "#...#"),
    "B": ("####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."),
    "C": (".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."),
    "D": ("###..", "#..#.", "#...#", "#...#", "#...#", "#..#.", "###.."),
    "E": ("#####", "#....", "#....", "####.", "#....", "#....", "#####"),
    "F": ("#####", "#....", "#....", "####.", "#....", "#....", "#...."),
    "G": (".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"),
    "H": ("#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"),
    "I": (".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."),
    "J": ("..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."),
    "K": ("#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"),
    "L": ("#....", "#....", "#....", "#....", "#....", "#....", "#####"),
    "M": ("#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"),
    "N": ("#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"),
    "O": (".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
    "P": ("####.", "#...#", "#...#", "####.", "#....", "#....", "#...."),
    "Q": (".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"),
    "R": ("####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"),
    "S": (".####", "#....", "#....", ".###.", "....#", "....#", "####."),
    "T": ("#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."),
    "U": ("#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
    "V": ("#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."),
    "W": ("#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."),
    "X": ("#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"),
    "Y": ("#...#", "#...#", "#...#", ".#.#.", "..#..", "..#..", "..#.."),
    "Z": ("#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"),
}
_LOWER = {
    "a": (".....", ".....", ".###.", "....#", ".####", "#...#", ".####"),
    "b": ("#....", "#....", "#.##.", "##..#", "#...#", "#...#", "####."),
    "c": (".....", ".....", ".###.", "#....", "#....", "#...#", ".###."),
    "d": ("....#", "....#", ".##.#", "#..##", "#...#", "#...#", ".####"),
    "e": (".....", ".....", ".###.", "#...#", "#####", "#....", ".###."),
    "f": ("..##.", ".#..#", ".#...", "###..", ".#...", ".#...", ".#..."),
    "g": (".....", ".####", "#...#", "#...#", ".####", "....#", ".###."),
    "h": ("#....", "#....", "#.##.", "##..#", "#...#", "#...#", "#...#"),
    "i": ("..#..", ".....", ".##..", "..#..", "..#..", "..#..", ".###."),
    "j": ("...#.", ".....", "..##.", "...#.", "...#.", "#..#.", ".##.."),
    "k": ("#....", "#....", "#..#.", "#.#..", "##...", "#.#..", "#..#."),
    "l": (".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."),
    "m": (".....", ".....", "##.#.", "#.#.#", "#.#.#", "#...#", "#...#"),
    "n": (".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#"),
    "o": (".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###."),
    "p": (".....", ".....", "####.", "#...#", "####.", "#....", "#...."),
    "q": (".....", ".....", ".##.#", "#..##", ".####", "....#", "....#"),
    "r": (".....", ".....", "#.##.", "##..#", "#....", "#....", "#...."),
    "s": (".....", ".....", ".###.", "#....", ".###.", "....#", "####."),
    "t": (".#...", ".#...", "###..", ".#...", ".#...", ".#..#", "..##."),
    "u": (".....", ".....", "#...#", "#...#", "#...#", "#..##", ".##.#"),
    "v": (".....", ".....", "#...#", "#...#", "#...#", ".#.#.", "..#.."),
    "w": (".....", ".....", "#...#", "#...#", "#.#.#", "#.#.#", ".#.#."),
    "x": (".....", ".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#"),
    "y": (".....", ".....", "#...#", "#...#", ".####", "....#", ".###."),
    "z": (".....", ".....", "#####", "...#.", "..#..", ".#...", "#####"),
}

UPPERCASE = "".join(_UPPER)
LOWERCASE = "".join(_LOWER)
_GLYPHS = {**_UPPER, **_LOWER}

# exhaustive ranking refuses more sets than this
MAX_SETS = 2_000_000


def _check_name(name) -> str:
    if not isinstance(name, str) or len(name) != 1:
        raise ValueError(f"A letter is a single character, got {name!r}.")
    if name not in _GLYPHS:
        raise ValueError(
            f"Unknown letter {name!r}: the font has A-Z and a-z only "
            f"(no digits, punctuation or spaces)."
        )
    return name


def letter(name: str) -> np.ndarray:
    """The 7 x 5 bitmap of one letter.

    Parameters
    ----------
    name : str
        One character, ``"A"``-``"Z"`` or ``"a"``-``"z"``.

    Returns
    -------
    numpy.ndarray
        ``(7, 5)`` int8 array: +1 for a lit dot, -1 for a dark one; row 0 is
        the top row.

    Raises
    ------
    ValueError
        If ``name`` is not one character of the font.

    Examples
    --------
    >>> from ubhop.letters import letter
    >>> letter("T")[0].tolist()
    [1, 1, 1, 1, 1]
    """
    rows = _GLYPHS[_check_name(name)]
    return np.array([[1 if c == "#" else -1 for c in r] for r in rows], dtype=np.int8)


def letters(names) -> np.ndarray:
    """Letters as 35-node patterns, one row each (row-major bitmaps).

    Parameters
    ----------
    names : str or sequence of str
        ``"ABC"`` or ``["A", "B", "C"]``.

    Returns
    -------
    numpy.ndarray
        ``(P, 35)`` int8 array of +1/-1.

    Raises
    ------
    ValueError
        If ``names`` is empty, holds an unknown letter, or holds a letter
        twice (a stored set with a repeated pattern is degenerate: recalling
        it tells nothing).

    Examples
    --------
    >>> from ubhop.letters import letters
    >>> letters("HI").shape
    (2, 35)
    """
    names = list(names)
    if not names:
        raise ValueError("Give at least one letter, e.g. letters('ABC').")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"The letters must be distinct; {repeated} appear more than "
                         f"once in {''.join(map(str, names))!r}.")
    return np.stack([letter(n).reshape(-1) for n in names])


def show(pattern) -> str:
    """A 35-node pattern (or a ``(7, 5)`` bitmap) as seven lines of ``#``/``.``."""
    p = np.asarray(pattern).reshape(ROWS, COLS)
    return "\n".join("".join("#" if v > 0 else "." for v in row) for row in p)


def overlaps(patterns) -> np.ndarray:
    """The matrix of overlaps ``|x_a . x_b| / N`` of ``(P, N)`` patterns."""
    x = np.atleast_2d(np.asarray(patterns, dtype=float))
    if x.ndim != 2 or x.size == 0 or not np.isin(x, (-1.0, 1.0)).all():
        raise ValueError("Patterns must be a (P, N) array of +1/-1.")
    return np.abs(x @ x.T) / x.shape[1]


def similarity(patterns) -> float:
    """Mean pairwise overlap ``|x_a . x_b| / N`` over all pairs ``a < b``.

    A global flip counts as equal (overlap 1), because a Hopfield network
    stores a pattern and its flip together.

    Parameters
    ----------
    patterns : array_like or str
        ``(P, N)`` patterns of +1/-1 with ``P >= 2``, or a string of letters.

    Returns
    -------
    float
        In ``[0, 1]``: 1 when all patterns are equal up to a flip.

    Examples
    --------
    >>> from ubhop.letters import letters, similarity
    >>> similarity(letters("OO"))
    1.0
    """
    if isinstance(patterns, str):
        patterns = letters(patterns)
    o = overlaps(patterns)
    p = o.shape[0]
    if p < 2:
        raise ValueError(f"Similarity needs at least 2 patterns, got {p}.")
    iu = np.triu_indices(p, 1)
    return float(o[iu].mean())


def rank_similar_sets(k: int, alphabet: str = UPPERCASE, top: int = 10):
    """Rank all sets of ``k`` distinct letters by their mean pairwise overlap.

    Exhaustive and vectorised: the overlap matrix of the alphabet is computed
    once and every ``k``-subset is scored from it (``C(26, 4) = 14950`` sets
    for ``k = 4`` over ``A``-``Z``).

    Parameters
    ----------
    k : int
        Letters per set, ``2 <= k <= len(alphabet)``.
    alphabet : str
        Distinct letters to choose from (default ``A``-``Z``).
    top : int
        How many sets to return (``>= 1``).

    Returns
    -------
    list of tuple
        ``(letters, similarity)``, most similar first; ties in alphabetical
        order of the sets.

    Raises
    ------
    ValueError
        For a bad ``k`` or ``top``, an unknown or repeated letter, or more
        than ``MAX_SETS`` sets.

    Examples
    --------
    >>> from ubhop.letters import rank_similar_sets
    >>> [s for s, _ in rank_similar_sets(2, top=1)]
    ['CO']
    """
    chars = [_check_name(c) for c in alphabet]
    if len(set(chars)) != len(chars):
        raise ValueError(f"The alphabet repeats a letter: {alphabet!r}.")
    if not isinstance(k, (int, np.integer)) or not 2 <= k <= len(chars):
        raise ValueError(
            f"k must be an int with 2 <= k <= {len(chars)} (the alphabet), got {k!r}."
        )
    if not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top must be an int >= 1, got {top!r}.")
    n_sets = comb(len(chars), int(k))
    if n_sets > MAX_SETS:
        raise ValueError(
            f"{n_sets} sets of {k} letters: more than {MAX_SETS} to rank "
            f"exhaustively; use a smaller k or alphabet."
        )
    x = letters(chars).astype(np.int64)
    dots = np.abs(x @ x.T)  # integers: the ranking has no rounding ties
    sets = np.fromiter(
        itertools.chain.from_iterable(itertools.combinations(range(len(chars)), k)),
        dtype=np.int64, count=n_sets * k,
    ).reshape(n_sets, k)
    total = np.zeros(n_sets, dtype=np.int64)
    for a, b in itertools.combinations(range(k), 2):
        total += dots[sets[:, a], sets[:, b]]
    score = total / (x.shape[1] * comb(k, 2))
    # combinations come in lexicographic order: a stable sort keeps ties so
    order = np.argsort(-total, kind="stable")[: int(top)]
    return [("".join(chars[i] for i in sets[j]), float(score[j])) for j in order]
