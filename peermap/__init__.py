"""peermap: peer networks and hot spots of children who go missing.

The public Python API lives here; everything else is internal. Notebooks and
scripts import from ``peermap`` only, so the modules behind it can move
without breaking them. Documented in ``docs/python-api.md``.

>>> import peermap
>>> folder = peermap.synthesise("data/durham")["out_dir"]          # doctest: +SKIP
>>> dataset = peermap.load_folder(folder)                            # doctest: +SKIP
>>> analysis = peermap.analyse(dataset, peermap.Period.from_month("2023-03"))  # doctest: +SKIP

Names are imported on first use (module ``__getattr__``), so ``import peermap``
stays cheap.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> (module, attribute); attribute ``None`` means the module itself
_EXPORTS: dict[str, tuple[str, str | None]] = {
    # data
    "synthesise": ("peermap.synthetic", "synthesise"),
    "Calibration": ("peermap.synthetic", "Calibration"),
    "load_folder": ("peermap.graph_models.load", "load_folder"),
    "Dataset": ("peermap.graph_models.dataset", "Dataset"),
    "Period": ("peermap.mapping.periods", "Period"),
    # analysis
    "compute_measures": ("peermap.mapping.measures", "compute_measures"),
    "analyse": ("peermap.mapping.analysis", "analyse"),
    "analyse_for_audience": ("peermap.exports.audience_view", "analyse_for_audience"),
    "write_analysis": ("peermap.exports.analysis_folder", "write_analysis"),
    "cluster_of": ("peermap.api", "cluster_of"),
    "analyse_places": ("peermap.geo.hotspots", "analyse_places"),
    # what leaves the tool
    "write_pack": ("peermap.exports.pack", "write_pack"),
    "child_map": ("peermap.exports.child_page", "child_map"),
    "write_child_page": ("peermap.exports.child_page", "write_child_page"),
    # Neo4j
    "ingest_neo4j": ("peermap.api", "ingest_neo4j"),
    "read_neo4j": ("peermap.api", "read_neo4j"),
    "cookbook": ("peermap.graph_models.cookbook", None),
    "recipe": ("peermap.api", "recipe"),
    "run_recipe": ("peermap.api", "run_recipe"),
    "StoreError": ("peermap.graph_models.neo4j_store", "StoreError"),
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'peermap' has no attribute {name!r}") from None
    value = importlib.import_module(module)
    if attribute is not None:
        value = getattr(value, attribute)
    globals()[name] = value  # cached: the next lookup does not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
