#!/usr/bin/env bash
# Smoke test of the image (run at build time, and by hand with
#   docker run --rm ubhop-oommf:0.1.0 bash /opt/ubhop/docker/check.sh):
# OOMMF answers, ubhop finds it, and one small OOMMF relaxation runs.
set -euo pipefail
oommf +version
python - <<'PY'
import discretisedfield as df
import ubhop
from ubhop.engines import oommf_runners

print("runner:", oommf_runners.find_runner_spec())
engine = ubhop.get_engine("auto", n_threads=1)
assert engine.name == "oommf", "ubhop does not find OOMMF in the image"
dev = ubhop.Device.square4(size=100e-9, cell=(10e-9, 10e-9, None))
m0 = df.Field(dev.mesh, nvdim=3, value=(1, 1, 0), norm=1.0)
(m,) = engine.run(dev, m0, [ubhop.Relax()])
print("OOMMF", engine.provenance["oommf_version"], "relaxed <m> =", m.mean())
PY
