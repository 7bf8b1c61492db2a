"""The engine's generic (dpkg-style) version comparator."""

import pytest

from app.engine.versions import compare_versions


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("1.0", "1.0", 0),
    ("1.0", "1.0.1", -1),
    ("2.10", "2.9", 1),  # digit runs compare as numbers
    ("1.0~rc1", "1.0", -1),  # ~ sorts before the end of the string
    ("1.0~rc1", "1.0~rc2", -1),
    ("1:0.1", "2.0", 1),  # the epoch wins
    ("0:1.0", "1.0", 0),
    ("1.0-2", "1.0-10", -1),  # revisions compare too
    ("241-7~deb10u7", "241-7", -1),
    ("1.0a", "1.0+", -1),  # letters sort before other characters
    ("1.0-1", "1.0a-1", -1),  # upstream and revision are compared separately
    ("01.2", "1.2", 0),
])
def test_compare_versions(a, b, expected):
    assert compare_versions(a, b) == expected
    assert compare_versions(b, a) == -expected
