"""The examples in the docstrings run, on the installed package (``peermap.*``, not the folders by path)."""

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("peermap", "peermap.graph_models", "peermap.geo", "peermap.mapping", "peermap.exports")


def installed_modules() -> list[str]:
    """Every module of the installed package, found through its sub-packages' paths."""
    names = set(PACKAGES)
    for package in PACKAGES:
        module = importlib.import_module(package)
        names |= {info.name for info in pkgutil.walk_packages(module.__path__, package + ".")}
    return sorted(names)


MODULES = installed_modules()


def test_every_folder_is_searched_for_examples():
    """The search reaches each sub-package's modules (a wrong path would find none and pass vacuously)."""
    for package in PACKAGES[1:]:
        assert sum(name.startswith(package + ".") for name in MODULES) >= 3, package


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(module, name, globs=vars(module).copy()):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (output above)"
