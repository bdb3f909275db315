#!/usr/bin/env bash
# make bench [BACKEND=cpu|cuda] [THREADS="1 2"] [WORKLOADS="lenet_step_b60 ..."]
# Experiments: MVN_ARGS (e.g. -Dnd4j.platform=linux-x86_64 for the plain native build) and JAVA_OPTS
# (e.g. -Drepro4j.nativeConv=false) reach the build and the repro4j JVM.
#
# Runs every workload in repro4j (bench module, Java) and in PyTorch (bench/pytorch/workloads.py),
# one process per workload, side and thread count, the two sides one after the other with the same
# OMP_NUM_THREADS, and prints one table: median time per unit, the ratio repro4j / PyTorch, and for
# the matrix-heavy workloads the GFLOP/s each side reached beside this machine's large-GEMM rate
# (gemm_2048, measured in the same run). Nothing here fails on time.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND="${BACKEND:-cpu}"
THREADS="${THREADS:-1 2}"
WORKLOADS="${WORKLOADS:-}"
PYTHON=/usr/bin/python3          # Debian's python3-torch lives in the system Python
OUT="build/bench"
mkdir -p "$OUT"

# --- PyTorch, the reference -------------------------------------------------------------------
if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        echo "installing Debian's python3-torch (the PyTorch reference) ..."
        apt-get install -y python3-torch >/dev/null || { apt-get update >/dev/null && apt-get install -y python3-torch >/dev/null; }
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        echo "installing Debian's python3-torch (the PyTorch reference) with sudo ..."
        sudo apt-get install -y python3-torch >/dev/null || { sudo apt-get update >/dev/null && sudo apt-get install -y python3-torch >/dev/null; }
    else
        echo "PyTorch is missing. Install it, then run make bench again:" >&2
        echo "    sudo apt-get install -y python3-torch" >&2
        exit 1
    fi
fi
if [ "$BACKEND" = cuda ]; then
    if ! "$PYTHON" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
        echo "BACKEND=cuda: this Python's torch has no CUDA (Debian's python3-torch is CPU-only);" >&2
        echo "install a CUDA build of PyTorch (pip install torch) or set PYTHON in bench/run.sh to one that has it." >&2
        exit 1
    fi
    export BENCH_DEVICE=cuda
fi

# --- repro4j ----------------------------------------------------------------------------------
PROFILE=""
[ "$BACKEND" = cuda ] && PROFILE="-Pcuda"
echo "building the bench module ($BACKEND) ..."
mvn -B -ntp -q package -DskipTests -pl bench -am $PROFILE ${MVN_ARGS:-}
CP="bench/target/classes:$(cat bench/target/classpath.txt)"

# The same Fashion-MNIST files on both sides: the data root's copy, else Debian's.
DATA_ROOT="${REPRO_DATA:-data}"
if [ -f "$DATA_ROOT/datasets/fashion-mnist/train-images-idx3-ubyte.gz" ]; then
    export FASHION_MNIST_DIR="$DATA_ROOT/datasets/fashion-mnist"
else
    export FASHION_MNIST_DIR=/usr/share/datasets/fashion-mnist
fi

# Both sides get the OpenBLAS kernels the notebooks' kernel would pick on this CPU (environment/openblas.sh).
. environment/openblas.sh
# Both sides get the OpenMP spin the notebooks' kernel sets (environment/openmp.sh): it moved both libraries'
# 2-thread rows alike, so the ratio stays a comparison of the libraries.
. environment/openmp.sh
# Both sides keep freed memory for the next step instead of giving it back to the OS (glibc's malloc, unless
# set): in a process of its own, PyTorch's ddim50_10k took 2.25-2.30 s with glibc's defaults, 1.55-1.56 s with
# these, as large tensors were mapped, faulted in and unmapped again each step.
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}" MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-268435456}"

# Each workload runs in a process of its own on each side, so that no workload inherits another's heap,
# native memory or caches (in one JVM, synflow_scores_10m after prune_magnitude_10m took 147-378 ms; alone 152-159).
WORKLOADS="${WORKLOADS:-$(java -cp "$CP" org.repro4j.bench.Bench --list 2>/dev/null)}"
rows="$OUT/results.tsv"
: > "$rows"
# ROUNDS > 1 runs every pair again (the two sides alternating) and keeps each side's fastest round: on a
# shared machine one process of a pair can land in a slow spell (the same code took 1.4 and 1.7 ms a LeNet step
# in two runs an hour apart).
ROUNDS="${ROUNDS:-1}"
for t in $THREADS; do
    : > "$OUT/repro4j-$t.log"
    : > "$OUT/pytorch-$t.log"
    for w in $WORKLOADS; do
      for r in $(seq 1 "$ROUNDS"); do
        echo "threads=$t: $w: repro4j, PyTorch (round $r of $ROUNDS) ..."
        OMP_NUM_THREADS=$t java -Xmx2g -Djava.awt.headless=true -Dorg.bytedeco.openblas.load=openblas ${JAVA_OPTS:-} -cp "$CP" org.repro4j.bench.Bench "$w" \
            2>> "$OUT/repro4j-$t.log" | awk -v t="$t" -F'\t' '$1 == "RESULT" {print "repro4j\t" t "\t" $2 "\t" $3 "\t" $4}' >> "$rows"
        OMP_NUM_THREADS=$t "$PYTHON" bench/pytorch/workloads.py "$w" \
            2>> "$OUT/pytorch-$t.log" | awk -v t="$t" -F'\t' '$1 == "RESULT" {print "pytorch\t" t "\t" $2 "\t" $3 "\t" $4}' >> "$rows"
      done
    done
done

# --- the table --------------------------------------------------------------------------------
echo
echo "repro4j vs PyTorch on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//'), backend $BACKEND, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset, so OpenBLAS picks}, GOMP_SPINCOUNT=$GOMP_SPINCOUNT"
# OpenBLAS (PyTorch's products) held below the CPU's AVX-512 while oneDNN (repro4j's products) picks it itself.
case "$(echo "${OPENBLAS_CORETYPE:-}" | tr '[:upper:]' '[:lower:]')" in
    ""|skylakex|cooperlake|sapphirerapids) ;;
    *) if grep -q -m1 '^flags.* avx512f' /proc/cpuinfo 2>/dev/null; then
           echo "note: OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE holds OpenBLAS, which runs PyTorch's matrix products, below this CPU's AVX-512,"
           echo "      while repro4j's run in oneDNN, which picks AVX-512 itself: the matrix-heavy rows favour repro4j."
           echo "      'env -u OPENBLAS_CORETYPE make bench' gives OpenBLAS its AVX-512 kernels (environment/openblas.sh)."
       fi ;;
esac
echo "(medians over repeated runs after warm-up, the fastest of $ROUNDS round(s); time per unit: one train step, one evaluation, one sampling, one load)"
awk -F'\t' '
    function fmt(s) { return s >= 1 ? sprintf("%.2f s", s) : sprintf("%.1f ms", s * 1000) }
    { if (!($3 in seenw)) { seenw[$3] = 1; w[++nw] = $3 }
      if (!($2 in seent)) { seent[$2] = 1; th[++nt] = $2 }
      key = $3 SUBSEP $2; if (!(($1, key) in t) || $4 < t[$1, key]) t[$1, key] = $4; if ($1 == "repro4j") f[key] = $5 }
    END {
        n = 0
        for (i = 1; i <= nw; i++) for (j = 1; j <= nt; j++) if ((w[i] SUBSEP th[j]) in f) order[++n] = w[i] SUBSEP th[j]
        printf "| %-21s | %7s | %10s | %10s | %11s | %16s | %16s |\n", "workload", "threads", "repro4j", "PyTorch", "ratio", "repro4j GFLOP/s", "PyTorch GFLOP/s"
        printf "|%s|%s|%s|%s|%s|%s|%s|\n", "-----------------------", "---------", "------------", "------------", "-------------", "------------------", "------------------"
        for (i = 1; i <= n; i++) {
            k = order[i]; split(k, p, SUBSEP)
            a = t["repro4j", k]; b = t["pytorch", k]
            ratio = (a != "" && b != "" && b > 0) ? sprintf("%.2f", a / b) : "-"
            ga = (f[k] > 0 && a > 0) ? sprintf("%.2f", f[k] / a / 1e9) : ""
            gb = (f[k] > 0 && b > 0) ? sprintf("%.2f", f[k] / b / 1e9) : ""
            printf "| %-21s | %7s | %10s | %10s | %11s | %16s | %16s |\n", p[1], p[2], a == "" ? "-" : fmt(a), b == "" ? "-" : fmt(b), ratio, ga, gb
        }
    }' "$rows" | tee "$OUT/table.md"
echo
echo "GFLOP/s of gemm_2048 is each library's large-GEMM rate (float32 2048x2048: repro4j's Gemm, PyTorch's torch.mm); logs and raw rows in $OUT/"
