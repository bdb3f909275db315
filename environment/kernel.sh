#!/usr/bin/env bash
# The Jupyter kernel's launcher (kernel.json's argv starts here): sets what depends on the CPU the
# kernel starts on, which need not be the one it was installed on (a Binder image is built on one
# machine and runs on others), then becomes the JVM given as its arguments.
. "$(dirname "${BASH_SOURCE[0]}")/openblas.sh"
. "$(dirname "${BASH_SOURCE[0]}")/openmp.sh"
exec "$@"
