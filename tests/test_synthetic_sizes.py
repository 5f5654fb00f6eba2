"""The generator at the sizes DESIGN.md names: national (200,000 children, 1,000,000 episodes, 2,000,000 links)
and tiny (6 children, 9 episodes, one month), for any seed.

The national test asks the identifier functions for what a national run asks
(without making the whole folder): the adults of concern's devices and one spare
device of each kind for 6% of the links.
"""

from __future__ import annotations

import tempfile
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import peermap
from peermap.synthetic import Calibration
from peermap.synthetic.groups import group_count
from peermap.synthetic.identifiers import PHONE_CAPACITY, handles, phones, plates


def national_devices() -> int:
    """How many vehicles, phones and handles (each) ``peermap synth`` asks for at national size."""
    cal, children, links = Calibration(), 200_000, 2_000_000
    groups = group_count(children, cal)
    adults = max(4, groups // cal.groups_per_adult_of_concern)
    return adults + int(cal.device_spare_share * links) + 20


def test_a_national_run_asks_for_more_devices_than_the_old_phone_ranges_held():
    """(So the test below exercises the wider branch: 18,000 drama numbers and 99,000 made-up 07700 9xxxxx.)"""
    assert national_devices() == 121_924 > 18_000 + 99_000


@pytest.mark.parametrize("seed", [7, 11])
@pytest.mark.parametrize("make", [plates, phones, handles], ids=["vehicles", "phones", "handles"])
def test_national_devices_are_made_and_distinct(make, seed):
    made = make(np.random.default_rng(seed), national_devices())
    assert len(made) == national_devices()
    assert len(set(made)) == len(made), f"{len(made) - len(set(made))} {make.__name__} repeat"


def test_phones_up_to_the_last_made_up_number_and_a_clear_error_beyond():
    numbers = phones(np.random.default_rng(3), PHONE_CAPACITY)
    assert len(set(numbers)) == PHONE_CAPACITY
    assert all(n.replace(" ", "").isdigit() and len(n.replace(" ", "")) == 11 for n in numbers[::997])
    with pytest.raises(ValueError, match="at most 1,017,000 distinct phone numbers"):
        phones(np.random.default_rng(3), PHONE_CAPACITY + 1)


@settings(
    max_examples=6,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**32 - 1))
@example(seed=0)
@example(seed=4)
def test_a_tiny_folder_is_made_and_loads_for_any_seed(seed):
    """6 children, 9 episodes, one month: every row loads, nothing rejected, the averages stay sane."""
    with tempfile.TemporaryDirectory() as folder:
        summary = peermap.synthesise(folder, seed=seed, children=6, episodes=9, months=1, start=date(2023, 3, 1))
        dataset = peermap.load_folder(folder)
    assert (summary["children"], summary["episodes"]) == (6, 9)
    assert [p for p in dataset.rejects if p.severity == "rejected"] == []
    assert all(counts.loaded == counts.read for counts in dataset.loaded.values()), dataset.loaded
    assert len(dataset.children) == 6 and len(dataset.episodes) == 9
    returned = dataset.episodes.dropna(subset=["returned_at"])
    hours = (returned["returned_at"] - returned["missing_at"]).dt.total_seconds() / 3600
    assert hours.between(0, 14 * 24).all()  # no episode longer than the generator's longest
