# Sourced by the kernel launcher and bench/run.sh: picks OpenBLAS's AVX-512 kernels on AMD CPUs that
# have them. ND4J's OpenBLAS 0.3.19 predates Zen 4 and 5 and picks its Barcelona kernels there: on a
# Zen 5, float32 GEMM at 2048 ran at 59.5 GFLOP/s, 135 with the Haswell (AVX2) kernels and 244 with
# SkylakeX (README, Performance); Debian's 0.3.21 under PyTorch picks Cooperlake by itself. Intel CPUs
# with AVX-512 are recognised by OpenBLAS itself, and a user's own OPENBLAS_CORETYPE is kept.
# The kernels use AVX-512 F, CD, BW, DQ and VL: without all five the variable stays unset, since
# forcing them on a CPU without would stop the process at the first matrix product.
# REPRO_CPUINFO (default /proc/cpuinfo) is for environment/openblas-test.sh.
_cpuinfo="${REPRO_CPUINFO:-/proc/cpuinfo}"
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -r "$_cpuinfo" ] \
   && grep -q -m1 '^vendor_id[[:space:]]*:[[:space:]]*AuthenticAMD' "$_cpuinfo"; then
  _flags=" $(grep -m1 '^flags' "$_cpuinfo" | cut -d: -f2) "
  _all=1
  for _f in avx512f avx512cd avx512bw avx512dq avx512vl; do
    case "$_flags" in *" $_f "*) ;; *) _all=0 ;; esac
  done
  [ "$_all" = 1 ] && export OPENBLAS_CORETYPE=SkylakeX
  unset _flags _all _f
fi
unset _cpuinfo
