"""Made-up identifiers, each drawn distinct: number plates, phone numbers, online handles and child IDs.

Phone numbers are fictional: Ofcom's drama ranges (07700 900xxx, 0191 498 0xxx
and so on), and beyond 18,000 of them made-up 07700 9xxxxx.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

def plates(rng, n: int) -> np.ndarray:
    letters = np.array(list("ABCDEFGHJKLMNOPRSTUVWXYZ"), dtype=object)
    memory = np.array(["NK", "NL", "ND", "NE", "NA", "YX", "YS", "PN"], dtype=object)
    space = 90 * len(letters) ** 3
    codes = rng.choice(space * len(memory), n, replace=False)
    mem, rest = codes // space, codes % space
    age, tail = rest // len(letters) ** 3 + 10, rest % len(letters) ** 3
    a, b, c = tail // len(letters) ** 2, (tail // len(letters)) % len(letters), tail % len(letters)
    digits = pd.Series(age).astype(str).to_numpy().astype(object)
    return memory[mem] + digits + " " + letters[a] + letters[b] + letters[c]


#: Ofcom's numbers for TV and radio drama (1,000 each), local ones first: never anyone's phone.
DRAMA_NUMBERS = ["07700 900", "0191 498 0", "0113 496 0", "0114 496 0", "0115 496 0", "0116 496 0",
                 "0117 496 0", "0118 496 0", "0121 496 0", "0131 496 0", "0141 496 0", "0151 496 0",
                 "0161 496 0", "020 7946 0", "029 2018 0", "01632 960", "03069 990", "08081 570"]


def phones(rng, n: int) -> np.ndarray:
    """``n`` distinct fictional numbers from Ofcom's drama ranges (made-up 07700 9xxxxx beyond them)."""
    space = 1000 * (2 if n <= 2000 else len(DRAMA_NUMBERS))
    codes = rng.choice(space, min(n, space), replace=False)
    prefix = np.array(DRAMA_NUMBERS, dtype=object)[codes // 1000]
    out = (pd.Series(prefix) + pd.Series(codes % 1000).astype(str).str.zfill(3)).to_numpy().astype(object)
    if n > space:
        more = rng.choice(np.arange(1000, 100_000), n - space, replace=False)
        out = np.concatenate([out, ("07700 9" + pd.Series(more).astype(str).str.zfill(5)).to_numpy().astype(object)])
    return out


def handles(rng, n: int) -> np.ndarray:
    words = np.array(["kaz", "jd", "lil", "trap", "noodle", "ghost", "vibes", "xo", "baby", "king", "queen",
                      "savage", "drip", "moon", "real", "official", "smoke", "angel", "wavy", "blaze"], dtype=object)
    prefixes = np.array(["snap: ", "insta: @", "tiktok: @", "@"], dtype=object)
    codes = rng.choice(10**6, n, replace=False)
    w1, w2 = rng.integers(0, len(words), n), rng.integers(0, len(words), n)
    pre = prefixes[rng.integers(0, len(prefixes), n)]
    return pre + words[w1] + "_" + words[w2] + pd.Series(codes % 10000).astype(str).to_numpy().astype(object)


def child_ids(rng, n: int) -> np.ndarray:
    width = 6 if n <= 150_000 else 7
    space = 10**width
    codes = np.unique(rng.integers(10**(width - 1) // 10, space, int(n * 1.3) + 10))
    while len(codes) < n:
        codes = np.unique(np.concatenate([codes, rng.integers(0, space, n)]))
    codes = rng.choice(codes, n, replace=False)
    return pd.Series(codes).astype(str).str.zfill(width).to_numpy().astype(object)

