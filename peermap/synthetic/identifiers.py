"""Made-up identifiers, each drawn distinct: number plates, phone numbers, online handles and child IDs.

Phone numbers are fictional: Ofcom's drama ranges (07700 900xxx, 0191 498 0xxx
and so on), and beyond 18,000 of them made-up 07700 numbers (9xxxxx first).

Each function gives ``n`` distinct values for any ``n`` its range holds, and
never asks numpy for more distinct draws than a range holds: a national run
(200,000 children, 2,000,000 links) asks for about 122,000 of each device. The
draws of a Durham-size run are the ones it always made; only a count beyond
the old ranges takes the wider branch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class PoolTooSmall(ValueError):
    """A folder of the size asked for needs more distinct values than a pool of made-up ones holds."""


PLATE_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"
#: DVLA memory tags of the North East and Yorkshire: a plate's first two letters.
PLATE_MEMORY_TAGS = ["NK", "NL", "ND", "NE", "NA", "YX", "YS", "PN"]
#: Distinct plates there are: 8 memory tags, ages 10-99, three letters.
PLATE_CAPACITY = len(PLATE_MEMORY_TAGS) * 90 * len(PLATE_LETTERS) ** 3

#: Ofcom's numbers for TV and radio drama (1,000 each), local ones first: never anyone's phone.
DRAMA_NUMBERS = [
    "07700 900",
    "0191 498 0",
    "0113 496 0",
    "0114 496 0",
    "0115 496 0",
    "0116 496 0",
    "0117 496 0",
    "0118 496 0",
    "0121 496 0",
    "0131 496 0",
    "0141 496 0",
    "0151 496 0",
    "0161 496 0",
    "020 7946 0",
    "029 2018 0",
    "01632 960",
    "03069 990",
    "08081 570",
]
#: Made-up 07700 numbers beyond the drama ranges: 07700 901000 to 999999, then 07700 000000 to 899999.
MADE_UP_MOBILES = 999_000
PHONE_CAPACITY = 1000 * len(DRAMA_NUMBERS) + MADE_UP_MOBILES


def plates(rng, n: int) -> np.ndarray:
    """``n`` distinct number plates of the north of England (``NK62 XWZ``)."""
    if n > PLATE_CAPACITY:
        raise PoolTooSmall(f"at most {PLATE_CAPACITY:,} distinct number plates, not {n:,}: ask for fewer links")
    letters = np.array(list(PLATE_LETTERS), dtype=object)
    memory = np.array(PLATE_MEMORY_TAGS, dtype=object)
    space = 90 * len(letters) ** 3
    codes = rng.choice(space * len(memory), n, replace=False)
    mem, rest = codes // space, codes % space
    age, tail = rest // len(letters) ** 3 + 10, rest % len(letters) ** 3
    a, b, c = tail // len(letters) ** 2, (tail // len(letters)) % len(letters), tail % len(letters)
    digits = pd.Series(age).astype(str).to_numpy().astype(object)
    return memory[mem] + digits + " " + letters[a] + letters[b] + letters[c]


def phones(rng, n: int) -> np.ndarray:
    """``n`` distinct fictional numbers from Ofcom's drama ranges (made-up 07700 numbers beyond them)."""
    if n > PHONE_CAPACITY:
        raise PoolTooSmall(f"at most {PHONE_CAPACITY:,} distinct phone numbers, not {n:,}: ask for fewer links")
    space = 1000 * (2 if n <= 2000 else len(DRAMA_NUMBERS))
    codes = rng.choice(space, min(n, space), replace=False)
    prefix = np.array(DRAMA_NUMBERS, dtype=object)[codes // 1000]
    out = (pd.Series(prefix) + pd.Series(codes % 1000).astype(str).str.zfill(3)).to_numpy().astype(object)
    if space < n <= space + 99_000:  # 07700 901000 to 999999
        more = rng.choice(np.arange(1000, 100_000), n - space, replace=False)
        out = np.concatenate([out, ("07700 9" + pd.Series(more).astype(str).str.zfill(5)).to_numpy().astype(object)])
    elif n > space:  # and on round to 07700 000000 to 899999
        more = (900_000 + 1000 + rng.choice(MADE_UP_MOBILES, n - space, replace=False)) % 1_000_000
        out = np.concatenate([out, ("07700 " + pd.Series(more).astype(str).str.zfill(6)).to_numpy().astype(object)])
    return out


def handles(rng, n: int) -> np.ndarray:
    """``n`` distinct online handles (``snap: kaz_moon123``); one that would repeat another ends in its draw's
    full six digits instead (``snap: kaz_moon000123``), which no other handle can."""
    words = np.array(
        [
            "kaz",
            "jd",
            "lil",
            "trap",
            "noodle",
            "ghost",
            "vibes",
            "xo",
            "baby",
            "king",
            "queen",
            "savage",
            "drip",
            "moon",
            "real",
            "official",
            "smoke",
            "angel",
            "wavy",
            "blaze",
        ],
        dtype=object,
    )
    prefixes = np.array(["snap: ", "insta: @", "tiktok: @", "@"], dtype=object)
    width = max(6, len(str(n - 1)))
    codes = rng.choice(10**width, n, replace=False)
    w1, w2 = rng.integers(0, len(words), n), rng.integers(0, len(words), n)
    pre = prefixes[rng.integers(0, len(prefixes), n)]
    stem = pre + words[w1] + "_" + words[w2]
    out = stem + pd.Series(codes % 10000).astype(str).to_numpy().astype(object)
    again = pd.Series(out).duplicated().to_numpy()
    if again.any():
        out[again] = stem[again] + pd.Series(codes[again]).astype(str).str.zfill(width).to_numpy().astype(object)
    return out


def child_ids(rng, n: int) -> np.ndarray:
    """``n`` distinct child IDs of six digits (seven above 150,000 children; more where those would crowd)."""
    width = 6 if n <= 150_000 else 7
    while n > 10**width // 2:
        width += 1
    space = 10**width
    codes = np.unique(rng.integers(10 ** (width - 1) // 10, space, int(n * 1.3) + 10))
    while len(codes) < n:
        codes = np.unique(np.concatenate([codes, rng.integers(0, space, n)]))
    codes = rng.choice(codes, n, replace=False)
    return pd.Series(codes).astype(str).str.zfill(width).to_numpy().astype(object)
