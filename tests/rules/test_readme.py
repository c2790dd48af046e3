"""The README documents every metric of the catalogue, and only those, in its one table."""

from __future__ import annotations

import re

from shared.kernel.metrics.catalogue import METRICS
from tests.support import ROOT


def test_the_metric_table_lists_the_catalogue():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("### Metrics", 1)[1].split("###", 1)[0]
    documented = re.findall(r"^\| `([a-z_]+)` \| (\S+) \|", table, flags=re.MULTILINE)
    assert [key for key, _ in documented] == list(METRICS)
    assert all(chinese == METRICS[key].chinese for key, chinese in documented)
