"""The four-fold unit of the pair-channel design (studies/single_film/cubic_unit.py)
on the engines: two easy axes, a 90 degree switch that is even in the field,
a way back, and the two engines' agreement on its switching field."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ubhop.engines import oommf_runners
from ubhop.engines.magnumnp import magnumnp_available

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "studies" / "single_film" / "cubic_unit.py"
MACROSPIN = 4 * 4.8e4 / (3 * 6**0.5 * 1.71e6)  # 0.544 K1 / Ms (T)

needs_magnumnp = pytest.mark.skipif(
    not magnumnp_available(),
    reason='magnum.np not installed: pip install "ubhop[magnumnp]"')


def _run(tmp_path, *args):
    out = tmp_path / "unit.json"
    subprocess.run([sys.executable, str(SCRIPT), *args, "--out", str(out)], check=True,
                   capture_output=True, text=True, timeout=600)
    return json.loads(out.read_text())["rows"]


@pytest.mark.magnumnp
@needs_magnumnp
def test_the_unit_turns_to_y_for_either_sign_and_back_to_x(tmp_path):
    rows = _run(tmp_path, "--cells", "5e-9", "--engines", "magnumnp", "--start",
                "10e-3", "--step", "1e-3")
    plus, minus = rows
    # the switch is even in the field: the same threshold, and y states that
    # AMR cannot tell apart (m_y = +-1)
    assert plus["turned"] == minus["turned"] is not None
    assert plus["m"][1] > 0.99 and minus["m"][1] < -0.99
    # below it the unit keeps x (only tilted): a bistable, not a soft, unit
    assert plus["kept"] >= 10e-3
    # a non-uniform disk switches below the macrospin, but not far below
    assert 0.75 * MACROSPIN < plus["turned"] < 1.05 * MACROSPIN
    # a field along x brings it back, and x holds at zero field
    for r in rows:
        assert abs(r["back"][1][0]) > 0.99 and abs(r["back"][1][1]) < 0.01


_SPEC = oommf_runners.find_runner_spec()


@pytest.mark.oommf
@pytest.mark.magnumnp
@needs_magnumnp
@pytest.mark.skipif(_SPEC[0] is None, reason=f"no OOMMF runner found ({_SPEC[1]})")
def test_oommf_and_magnumnp_switch_the_unit_at_the_same_field(tmp_path):
    rows = _run(tmp_path, "--cells", "10e-9", "--start", "6e-3", "--step", "0.5e-3")
    by = {(r["engine"], r["direction"]): r for r in rows}
    for d in ("+y", "-y"):
        a, b = by[("magnum.np", d)], by[("OOMMF", d)]
        assert a["turned"] == pytest.approx(b["turned"], abs=1e-9)
        assert a["kept"] == pytest.approx(b["kept"], abs=1e-9)
