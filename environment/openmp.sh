# Sourced by the kernel launcher and bench/run.sh: how long an idle OpenMP worker spins before it sleeps.
# libgomp's default (300,000 spins, milliseconds on these CPUs) keeps a worker busy after every parallel
# region; with more threads than the native ops' pool (ND4J's OpenMP team beside OpenBLAS's own threads) on
# 2 vCPUs, that spinning worker took the CPU the BLAS thread or the Java thread needed. At 2 threads on the
# 2-vCPU Zen 5, 1,000 spins took repro4j's LeNet-300-100 evaluation from 196-274 to 31-65 ms and the conv step
# from 17-26 to 12.5-16 ms, and PyTorch's MLP rows by as much (README, Performance). With one thread (the
# kernel's default) there is no worker and this changes nothing. A user's own GOMP_SPINCOUNT is kept.
export GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-1000}"
