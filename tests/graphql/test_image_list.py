"""The image list the web page reads: text search, sort orders and the verdict of each tag,
against a real uvicorn server (SQLite file and PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.graphql.conftest import BASE, data

pytestmark = pytest.mark.slow

LIST = """query($f: ImageFilter, $o: ImageOrder!) { images(filter: $f, orderBy: $o) {
  totalCount edges { node { digest tags { fullTag evaluation { tag status finalAction
    policy { id } } } } } } }"""


def _tags(result):
    return [[t["fullTag"] for t in e["node"]["tags"]] for e in result["images"]["edges"]]


def test_search_sort_and_a_verdict_per_tag(images_added):
    s = images_added
    s.add("other", [BASE], ("zeta/tool:2",))  # the base's layers under another tag
    with s.client() as c:
        by_tag = data(c, LIST, {"o": "TAG_ASC"})
        assert _tags(by_tag) == [["docker.io/example/app:1.0"],
                                 ["docker.io/example/base:12", "docker.io/zeta/tool:2"]]
        assert _tags(data(c, LIST, {"o": "TAG_DESC"}))[0] == ["docker.io/example/base:12",
                                                              "docker.io/zeta/tool:2"]
        newest = data(c, LIST, {"o": "ANALYZED_AT_DESC"})
        oldest = data(c, LIST, {"o": "ANALYZED_AT_ASC"})
        assert _tags(newest) == list(reversed(_tags(oldest)))
        assert data(c, LIST, {"o": "DISTRO_ASC"})["images"]["totalCount"] == 2
        found = data(c, LIST, {"o": "TAG_ASC", "f": {"search": "ZETA"}})
        assert _tags(found) == [["docker.io/example/base:12", "docker.io/zeta/tool:2"]]
        digest = s.added["child"].digest
        assert _tags(data(c, LIST, {"o": "TAG_ASC", "f": {"search": digest[7:19]}})) == [
            ["docker.io/example/app:1.0"]]
        assert data(c, LIST, {"o": "TAG_ASC", "f": {"search": "DEBIAN"}})["images"][
            "totalCount"] == 2
        assert data(c, LIST, {"o": "TAG_ASC", "f": {"search": "%"}})["images"][
            "totalCount"] == 0  # LIKE wildcards are text
        verdicts = {t["fullTag"]: t["evaluation"]
                    for e in by_tag["images"]["edges"] for t in e["node"]["tags"]}
    assert verdicts["docker.io/example/app:1.0"] == {
        "tag": "docker.io/example/app:1.0", "status": "fail", "finalAction": "stop",
        "policy": {"id": "gql"}}
    assert verdicts["docker.io/zeta/tool:2"]["tag"] == "docker.io/zeta/tool:2"
