"""The README's quick start runs as written, on the embedded engine when no
OOMMF is found, and leaves a physical result."""

import re
from pathlib import Path

import numpy as np
import pytest

from ubhop.engines import resolve_engine_name
from ubhop.engines.magnumnp import magnumnp_available

README = Path(__file__).resolve().parents[1] / "README.md"


def _block(heading):
    text = README.read_text()
    section = text[text.index(heading):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.mark.skipif(not magnumnp_available() and resolve_engine_name() != "oommf",
                    reason="needs an engine")
def test_quick_start_runs_as_written(capsys):
    scope = {}
    exec(compile(_block("## Quick start"), str(README), "exec"), scope)
    dev, G = scope["dev"], scope["G"]
    assert dev.n == (20, 20, 1)
    # G of a uniform texture is symmetric with a zero diagonal
    np.testing.assert_allclose(G, G.T, rtol=1e-12)
    assert np.all(np.diag(G) == 0) and np.all(G[~np.eye(4, dtype=bool)] > 0)
    # the pulse and relaxation change the texture, and so G
    m0, m1 = scope["m"].array, scope["m_relaxed"].array
    assert np.abs(m1 - m0 / np.linalg.norm(m0, axis=-1, keepdims=True)).max() > 1e-3
    np.testing.assert_allclose(np.linalg.norm(m1, axis=-1), 1.0, atol=1e-9)
    assert "[[" in capsys.readouterr().out  # the printed change of G
