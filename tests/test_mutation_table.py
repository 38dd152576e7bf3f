"""`make mutation`'s table still points at the code: each snippet is found once, each claimed test file exists.

The mutation run itself is slow and not part of `make test`, so a change that moves or copies
a guarded line (two views sharing one check, say) would leave a row STALE until someone ran it:
the rule would go unproven without anybody noticing. This is the cheap half of that run.
"""

from __future__ import annotations

import pytest

from scripts.mutation import MUTATIONS, ROOT


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[mutation.name for mutation in MUTATIONS])
def test_the_snippet_is_in_its_file_once_and_the_tests_exist(mutation):
    source = (ROOT / mutation.file).read_text()
    assert source.count(mutation.original) == 1, f"{mutation.name}: found {source.count(mutation.original)} times"
    assert mutation.original != mutation.mutated
    assert [test for test in mutation.tests if not (ROOT / test.split("::")[0]).is_file()] == []


def test_every_mutation_has_a_name_of_its_own():
    names = [mutation.name for mutation in MUTATIONS]
    assert len(names) == len(set(names))
