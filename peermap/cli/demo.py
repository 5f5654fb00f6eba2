"""``peermap demo``: the synthetic County Durham year, and everything peermap does on it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from peermap.cli.options import Audience, Seed
from peermap.cli.source import load_data_folder
from peermap.exports import console
from peermap.exports.console import say


def demo(
    out: Path = typer.Option(Path("out"), "--out", help="Where to put the synthetic data and the results."),
    seed: int = Seed,
):
    """Make the synthetic County Durham year and run everything peermap does on it.

    Writes the data folder to OUT/data, its rejects to OUT/rejects.csv, the
    measures to OUT/kpi.json (the year) and OUT/kpi-month.json (its last
    month), and the full meeting pack for March 2023 to OUT/pack: open
    OUT/pack/index.html in a browser (it needs no internet).

    Example:

        peermap demo --out out
    """
    from peermap.exports.manifest import write_json
    from peermap.exports.pack import write_pack
    from peermap.graph_models.private_files import make_folder
    from peermap.mapping.measures import compute_measures, format_measures
    from peermap.mapping.periods import Period
    from peermap.synthetic import synthesise

    make_folder(out)
    data = out / "data"
    start = dt.date(2022, 4, 1)
    with console.progress() as report:
        synthesise(data, seed=seed, start=start, progress=report)
    say(f"synthetic data folder: {data}")
    dataset = load_data_folder(data, None, None, out / "rejects.csv")
    year = Period.from_dates("2022-04-01", "2023-03-31")
    month = Period.from_month("2023-03")
    for span, name in ((year, "kpi.json"), (month, "kpi-month.json")):
        write_json(compute_measures(dataset, span), out / name)
    console.out.print(format_measures(compute_measures(dataset, year)))
    say(f"measures: {out / 'kpi.json'} (the year) and {out / 'kpi-month.json'} (March 2023)")
    pack = write_pack(
        dataset, month, Audience.meeting.value, out / "pack", command=["peermap", "demo", "--out", str(out)]
    )
    say(f"meeting pack for {month.label}: open {pack / 'index.html'}")
