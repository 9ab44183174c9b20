# ubhop with OOMMF: `ubhop demo` and `ubhop batch` run on OOMMF inside this image.
#
#   docker build -t ubhop-oommf:0.1.0 .
#   docker run --rm ubhop-oommf:0.1.0                      # ubhop demo
#   docker run --rm -u "$(id -u):$(id -g)" -v "$PWD:/io" ubhop-oommf:0.1.0 \
#       family.toml --workers 2                            # ubhop batch family.toml
#   docker compose -f docker/compose.yml up --scale worker=4   # on a Dask cluster
#
# The same image is the default of ubhop's Docker runner
# (ubhop.engines.oommf_runners.DockerRunner), which runs `oommf boxsi ...` in it.
# OOMMF comes from conda-forge (the `oommf` package, as the Ubermag community
# installs it), through micromamba; the Python packages from PyPI.
FROM mambaorg/micromamba:1.5.10-bookworm-slim

COPY --chown=$MAMBA_USER:$MAMBA_USER docker/environment.yml /tmp/environment.yml
RUN micromamba install -y -n base -f /tmp/environment.yml \
    && micromamba clean --all --yes

# OOMMF refuses to run as root and appends to boxsi.errors in its own tree:
# let any (non-root) user of `docker run -u UID:GID` write there, and in /io.
USER root
RUN chmod -R a+rwX /opt/conda/opt/oommf && mkdir -p /io && chmod 1777 /io
USER $MAMBA_USER

ARG MAMBA_DOCKERFILE_ACTIVATE=1
COPY --chown=$MAMBA_USER:$MAMBA_USER . /opt/ubhop
RUN pip install --no-cache-dir "/opt/ubhop[dask]" && bash /opt/ubhop/docker/check.sh

ENV HOME=/tmp USER=oommf
WORKDIR /io
# micromamba's entry point activates the environment, then docker/entrypoint.sh
# runs `ubhop batch FILE.toml`, another ubhop command, or any program (dask,
# bash: ubhop's OOMMF Docker runner calls /bin/bash -c "oommf boxsi ...")
ENTRYPOINT ["/usr/local/bin/_entrypoint.sh", "/opt/ubhop/docker/entrypoint.sh"]
CMD []
