"""Hand-made data folders and a small postcode index for the places, hot-spot and trend tests.

The index is a Code-Point-style CSV (``postcode,quality,easting,northing``, no
header) read by ``PostcodeIndex(path)``: made-up ``XY`` postcodes at chosen
British National Grid points around Durham city (427000 E, 542000 N), so every
distance in a test is exact.
"""

from __future__ import annotations

from pathlib import Path

from conftest import TEST_KEY, write_folder

from peermap.geo.postcodes import PostcodeIndex
from peermap.graph_models.load import load_folder

#: Origin of the made-up postcodes (BNG metres): Durham city.
E0, N0 = 427000, 542000


def postcode(i: int) -> str:
    """The i-th made-up postcode: ``XY1 0AA``, ``XY1 0AB``, ... (always well formed)."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"XY{1 + i // 4000} {(i // 400) % 10}{letters[(i // 20) % 20]}{letters[i % 20]}"


def make_index(folder: Path, points: dict[str, tuple[float, float]]) -> PostcodeIndex:
    """Write ``points`` (postcode → (easting, northing)) as a Code-Point CSV and read it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "codepoint.csv"
    path.write_text("".join(f'"{pc}",10,{e:.0f},{n:.0f}\n' for pc, (e, n) in points.items()))
    return PostcodeIndex(path)


def child(child_id, home="", placement="", placement_type="", legal_status=""):
    return {
        "child_id": child_id,
        "display_name": f"Child {child_id}",
        "legal_status": legal_status,
        "placement_type": placement_type,
        "home_postcode": home,
        "placement_postcode": placement,
    }


def episode(episode_id, child_id, missing_at, returned_at="", missing_from="", found_pc="", found_place=""):
    return {
        "episode_id": episode_id,
        "child_id": child_id,
        "missing_at": missing_at,
        "returned_at": returned_at,
        "missing_from_postcode": missing_from,
        "found_at_postcode": found_pc,
        "found_at_place": found_place,
    }


def link(
    link_id,
    child_id,
    target_ref,
    role,
    recorded_at="2023-04-10T12:00",
    target_type="place",
    episode_id="",
    rthi_id="",
    source="worker",
    source_grade="1",
    intel_grade="A",
    handling="",
):
    return {
        "link_id": link_id,
        "child_id": child_id,
        "recorded_at": recorded_at,
        "target_type": target_type,
        "target_ref": target_ref,
        "role": role,
        "episode_id": episode_id,
        "rthi_id": rthi_id,
        "source": source,
        "source_grade": source_grade,
        "intel_grade": intel_grade,
        "handling": handling,
    }


def load(folder: Path, children, episodes, links=None, places=None):
    tables = {"children": children, "episodes": episodes}
    if links is not None:
        tables["links"] = links
    if places is not None:
        tables["places"] = places
    write_folder(folder, **tables)
    return load_folder(folder, key=TEST_KEY)


def finds(
    points: list[str], month: str = "2023-04", first_child: int = 0, per_place: int = 1, day: int = 3
) -> tuple[list[dict], list[dict]]:
    """Children (one per find) and episodes found at each postcode of ``points``, in ``month``."""
    children, episodes = [], []
    k = first_child
    for pc in points:
        for _ in range(per_place):
            cid = f"K{k:04d}"
            children.append(child(cid))
            episodes.append(
                episode(f"E{k:04d}-{month}", cid, f"{month}-{day:02d}T20:00", f"{month}-{day:02d}T23:00", found_pc=pc)
            )
            k += 1
    return children, episodes
