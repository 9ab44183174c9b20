#!/usr/bin/env bash
# Entry point of the ubhop image (after micromamba's, which activates the env).
#
#   docker run IMAGE                         -> ubhop demo
#   docker run IMAGE family.toml [opts]      -> ubhop batch family.toml [opts]
#   docker run IMAGE batch|train|... [args]  -> ubhop batch|train|... [args]
#   docker run IMAGE dask worker ADDRESS     -> that command (any program on
#   docker run IMAGE /bin/bash -c "..."         PATH, or a path): Dask workers,
#                                               ubhop's own OOMMF Docker runner
set -euo pipefail
if [ "$#" -eq 0 ]; then
    exec ubhop demo
fi
case "$1" in
    *.toml)
        exec ubhop batch "$@" ;;
    /*|./*)
        exec "$@" ;;
esac
if [ "$1" != "demo" ] && [ "$1" != "batch" ] && command -v -- "$1" > /dev/null 2>&1; then
    exec "$@"
fi
exec ubhop "$@"
