"""A tool the tests need and do not find: a skip on a developer machine, a failure under CI, whatever its case."""

from __future__ import annotations

import pytest

from tests.support.tools import require_module, require_tool

NO_SUCH_TOOL = "no-such-tool-7f3a"


@pytest.mark.parametrize("ci", ["true", "True", "TRUE"])
def test_a_missing_tool_fails_under_ci(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match=NO_SUCH_TOOL):
        require_tool(NO_SUCH_TOOL, "apt-get install it")
    with pytest.raises(pytest.fail.Exception, match="no_such_module"):
        require_module("no_such_module", "pip install it")


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_a_missing_tool_skips_elsewhere(monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="apt-get install it"):
        require_tool(NO_SUCH_TOOL, "apt-get install it")
    with pytest.raises(pytest.skip.Exception, match="pip install it"):
        require_module("no_such_module", "pip install it")


def test_a_tool_that_is_there_is_found():
    assert require_tool("sh", "apt-get install dash").endswith("sh")
    require_module("pytest", "pip install pytest")
