"""The test data shipped in tests/data are byte-for-byte copies of the shared specification's files.

Tests read only the shipped copies (tests.rules.rules_helpers.domain_file), so a clone alone runs the whole
suite. When the shared folder (BOLIGSTOETTE_SHARED_DIR, default ../shared beside the clone) is present, a copy
that drifted from it fails here; when it is absent these tests skip (also under CI=true: CI runs on a bare clone).
"""

import hashlib

import pytest

from tests.rules.rules_helpers import DATA, SHARED, SHIPPED


def test_every_shipped_file_is_in_tests_data():
    assert sorted(p.name for p in DATA.iterdir() if p.is_file()) == sorted(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_copy_equals_the_shared_file(name):
    original = SHARED / "domain" / name
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED}: ../shared not beside the clone; the shipped copies in tests/data are used")
    assert original.is_file(), f"{original} is gone from the shared specification; tests/data/{name} has no source"
    shipped, wanted = (DATA / name).read_bytes(), original.read_bytes()
    assert shipped == wanted, (
        f"tests/data/{name} differs from {original} (sha256 {hashlib.sha256(shipped).hexdigest()[:12]} "
        f"!= {hashlib.sha256(wanted).hexdigest()[:12]}): the shared specification changed; re-copy it byte for "
        f"byte with `cp {original} tests/data/{name}` and rerun the tests"
    )
