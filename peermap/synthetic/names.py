"""Invented names: children's first names, associates' full names (never two people alike), slips of the pen."""

from __future__ import annotations

import numpy as np
from peermap.synthetic.identifiers import PoolTooSmall

FEMALE = ["Amelia", "Olivia", "Isla", "Ava", "Mia", "Ella", "Grace", "Lily", "Sophie", "Chloe", "Emily",
          "Jessica", "Ruby", "Evie", "Freya", "Holly", "Kayla", "Leah", "Megan", "Paige", "Abbie", "Brooke",
          "Caitlin", "Demi", "Ellie", "Georgia", "Hannah", "Jade", "Katie", "Lacey", "Lauren", "Macy",
          "Millie", "Nicole", "Niamh", "Phoebe", "Rebecca", "Shannon", "Skye", "Tia", "Amber", "Bethany",
          "Courtney", "Danielle", "Eden", "Faith", "Gracie", "Harley", "Imogen", "Jasmine"]
MALE = ["Jack", "Oliver", "Harry", "Charlie", "George", "Jacob", "Alfie", "Noah", "Thomas", "Joshua",
        "James", "Leo", "Ethan", "Mason", "Logan", "Lewis", "Kyle", "Connor", "Callum", "Liam", "Jordan",
        "Tyler", "Brandon", "Bailey", "Reece", "Kai", "Aaron", "Adam", "Ben", "Cameron", "Dylan", "Finley",
        "Jake", "Jamie", "Kieran", "Luke", "Max", "Nathan", "Owen", "Ryan", "Sam", "Scott", "Taylor",
        "Declan", "Ellis", "Ashton", "Riley", "Mikey", "Bradley", "Corey"]
ADULT_FIRST = {"Darren": "Dazza", "Wayne": "Wazza", "Craig": "Craigy", "Lee": "Leezy", "Stuart": "Stu",
               "Shaun": "Shauny", "Gary": "Gaz", "Dean": "Deano", "Carl": "Carlo", "Jason": "Jay",
               "Mark": "Marky", "Kevin": "Kev", "Steven": "Stevo", "Anthony": "Tony", "Michael": "Mikey",
               "Andrew": "Andy", "Christopher": "Chris", "Jonathan": "Jonno", "Richard": "Ricky",
               "Robert": "Robbo"}
SURNAMES = ["Smith", "Brown", "Wilson", "Robson", "Thompson", "Walker", "Taylor", "Johnson", "Wright",
            "Bell", "Armstrong", "Scott", "Hall", "Young", "Graham", "Charlton", "Dixon", "Hutchinson",
            "Elliott", "Milburn", "Watson", "Anderson", "Harrison", "Stephenson", "Richardson", "Jackson",
            "Wood", "Clark", "White", "Moore", "Hughes", "Lee", "Martin", "Green", "Baker", "Turner",
            "Cooper", "Ward", "Morgan", "Allen", "Ross", "Marshall", "Stewart", "Parker", "Dodds", "Lowes",
            "Heslop", "Peacock", "Reed", "Forster", "Storey", "Nicholson", "Atkinson", "Carr", "Hodgson",
            "Davison", "Shields", "Hepple", "Todd", "Rutherford", "Cowell", "Gibson", "Lamb", "Errington",
            "Tweddle", "Pattison", "Sanderson", "Ramshaw", "Dunn", "Kirkup", "Henderson", "Burn", "Douglas",
            "Patterson", "Ridley", "Fenwick", "Hope", "Curry", "Bainbridge", "Lister", "Mason", "Proud",
            "Pearson", "Raine", "Snowdon", "Spence", "Tate", "Tindale", "Urwin", "Vasey", "Wake", "Walton",
            "Welsh", "Wheatley", "Wilkinson", "Yeadon", "Barker", "Blenkinsop", "Brass", "Bulmer", "Cairns",
            "Coates", "Coulson", "Craggs", "Dobson", "Emmerson", "Fawcett", "Gowland", "Hedley",
            "Hindmarsh", "Iley", "Jobling", "Kell", "Laidler", "Lumsden", "Maddison", "Metcalfe", "Newton",
            "Oliver", "Pickering", "Pounder", "Quinn", "Renwick", "Robinson", "Scorer", "Siddle", "Surtees",
            "Swinburn", "Thirlwell", "Tully", "Varley", "Waugh", "Willis", "Younger", "Adamson", "Alderson",
            "Appleby", "Bowes", "Bradley", "Brewis", "Chapman", "Cummings", "Dawson", "Ellison", "Ferguson",
            "Foster", "Gray", "Hart", "Hunter", "Johnstone", "Kennedy", "Lambert", "Lawson", "Middleton",
            "Murray", "Nixon", "Oxley", "Potts", "Rowell", "Simpson", "Stoddart", "Teasdale", "Thornton",
            "Usher", "Watt", "Winter", "Wren", "Yates", "Bates", "Boyd", "Cook", "Cross", "Dale", "Duffy",
            "Fleming", "Gill", "Hardy", "Holmes", "Irving", "Kerr", "Little", "Lynch", "Maughan", "Nelson",
            "Orde", "Price", "Rowe", "Shaw", "Short", "Slater", "Strong", "Tait", "Thwaites", "Vaux"]
NICKNAMES = ["Ty", "JD", "Macca", "Smithy", "Jonno", "Tommo", "Wilko", "Kez", "Mo", "Bex", "Lil T", "Chops",
             "Skinny", "Tank", "Little J", "Rizza", "Ginge", "Spud", "Bubbles", "Tats", "Ozzy", "Kenzo",
             "Bugsy", "Moose", "Dex", "Fitzy", "Hutch", "Jammy", "Kiddo", "Nando", "Pidge", "Snowy", "Titch",
             "Zeus", "Ace", "Benji", "Coco", "Digger", "Frankie", "Gazza"]
AMBIGUOUS_FIRST_NAMES = ["Josh", "Liam", "Chloe", "Jess", "Kyle"]
WORKER_FIRST = ["Siobhan", "Gemma", "Lisa", "Karen", "Joanne", "Paul", "Steph", "Rachel", "Andrew", "Nicola",
                "Claire", "Helen", "Martin", "Dawn", "Louise", "Sarah"]


def unique_names(rng, n: int) -> np.ndarray:
    """``n`` distinct adult/peer names ``First Surname`` (with a middle initial when many are needed, two when
    more than about 650,000 are)."""
    firsts = np.array(FEMALE + MALE + list(ADULT_FIRST), dtype=object)
    surnames = np.array(SURNAMES, dtype=object)
    plain = len(firsts) * len(surnames)
    if n <= plain // 8:
        codes = rng.choice(plain, n, replace=False)
        return firsts[codes // len(surnames)] + " " + surnames[codes % len(surnames)]
    initials = [f" {chr(65 + i)}." for i in range(26)]
    letters = np.array(initials + [""], dtype=object)
    space = plain * len(letters)
    if n > space:  # none, one or two middle initials, each written differently
        letters = np.array(initials + [""] + [a + b for a in initials for b in initials], dtype=object)
        space = plain * len(letters)
        if n > space:
            raise PoolTooSmall(f"at most {space:,} distinct names in the name pools, not {n:,}")
    codes = rng.choice(space, n, replace=False)
    f, rest = codes // (len(surnames) * len(letters)), codes % (len(surnames) * len(letters))
    m, s = rest // len(surnames), rest % len(surnames)
    return firsts[f] + letters[m] + " " + surnames[s]



def misspell(rng, name: str, avoid: set[str]) -> str:
    """A one-letter slip in the surname that no alias matches (``Darren Hall`` -> ``Darren Hal``)."""
    first, _, last = name.partition(" ")
    for _ in range(50):
        op = rng.integers(0, 3)
        i = int(rng.integers(1, len(last)))
        if op == 0:
            cand = last[:i] + last[i:].replace(last[i], "", 1) if i < len(last) else last[:-1]
        elif op == 1:
            cand = last[:i] + last[i - 1] + last[i:]
        else:
            vowels = "aeiou"
            spots = [k for k, ch in enumerate(last) if ch in vowels]
            if not spots:
                continue
            k = spots[int(rng.integers(0, len(spots)))]
            cand = last[:k] + vowels[(vowels.index(last[k]) + 1 + int(rng.integers(0, 4))) % 5] + last[k + 1:]
        out = f"{first} {cand}"
        if out.lower() not in avoid and cand != last:
            return out
    return f"{first} {last}e"



class Names:
    """Distinct names for every associate, drawn at once so no two people share one."""

    def __init__(self, rng, n_group: int, n_aoc: int, n_youth: int, n_stray: int, n_prot: int):
        self.all = unique_names(rng, n_group + n_aoc + n_youth + n_stray + n_prot)
        cuts = np.cumsum([n_group, n_aoc, n_youth, n_stray])
        self.group, self.aoc, self.youth, self.stray, self.protective = np.split(self.all, cuts)


