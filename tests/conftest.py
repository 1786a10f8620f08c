"""Shared fixtures: the repository layout, the sample seed, the TEI-all schema."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from teibuild import TEI_NS

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "seeds" / "hongkou-1845-p1.txt"
NS = {"t": TEI_NS}

# Property tests draw the same examples on every run, so a run's verdict depends on the
# code alone and CI cannot fail on a draw it never made before. HYPOTHESIS_PROFILE=explore
# draws fresh examples each run, to look for new failures; add any it finds with @example.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def tei_all_path() -> Path:
    for candidate in (ROOT / "schemas" / "tei_all.rng", ROOT / "schemas" / "tei" / "tei_all.rng",
                      SHARED / "schemas" / "tei_all.rng"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("TEI-all schema (tei_all.rng) not found in schemas/ or ../shared/")


@pytest.fixture(scope="session")
def tei_all():
    """The official TEI-all RELAX NG, loaded once per test session (it takes seconds)."""
    from lxml import etree
    return etree.RelaxNG(etree.parse(str(tei_all_path())))


@pytest.fixture(scope="session")
def sample_bytes() -> bytes:
    return SAMPLE.read_bytes()
