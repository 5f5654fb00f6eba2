"""The generated parts of README.md and docs/ match the code and real runs (like cog in datasette)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))


def test_generated_docs_are_up_to_date(synthetic_year):
    import generate_docs

    stale = generate_docs.regenerate(check=True, data=synthetic_year)
    assert stale == [], f"run `make docs` and commit: out of date: {', '.join(stale)}"


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    first_block = text.split("```")[1].strip().splitlines()
    assert first_block == ["make demo", "make test"]


def test_docs_links_resolve():
    import re

    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text()):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"
