#!/usr/bin/env bash
# Checks environment/openblas.sh on made-up /proc/cpuinfo files (make test runs it).
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
failed=0

# expect NAME VENDOR "FLAGS" PRESET EXPECTED: the core type openblas.sh leaves for that CPU and preset
expect() {
  printf 'processor\t: 0\nvendor_id\t: %s\nflags\t\t: %s\n' "$2" "$3" > "$TMP/cpuinfo"
  local got
  got="$(env -u OPENBLAS_CORETYPE ${4:+OPENBLAS_CORETYPE=$4} REPRO_CPUINFO="$TMP/cpuinfo" \
         bash -c '. "$0"; echo "${OPENBLAS_CORETYPE:-unset}"' "$DIR/openblas.sh")"
  if [ "$got" = "$5" ]; then
    echo "[openblas] ok: $1 -> $got"
  else
    echo "[openblas] FAILED: $1: expected OPENBLAS_CORETYPE=$5, got $got" >&2
    failed=1
  fi
}

ZEN5="fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16 avx512_vnni"
expect "Zen 5" AuthenticAMD "$ZEN5" "" SkylakeX
expect "Zen 5, user's choice kept" AuthenticAMD "$ZEN5" Haswell Haswell
expect "Zen 3 (AVX2 only)" AuthenticAMD "fpu sse2 avx avx2 fma" "" unset
expect "AMD without AVX-512 VL" AuthenticAMD "fpu avx2 avx512f avx512dq avx512cd avx512bw" "" unset
expect "avx512fp16 is not avx512f" AuthenticAMD "fpu avx2 avx512fp16 avx512dq avx512cd avx512bw avx512vl" "" unset
expect "Intel with AVX-512 (OpenBLAS knows it)" GenuineIntel "$ZEN5" "" unset
exit $failed
