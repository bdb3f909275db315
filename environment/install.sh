#!/usr/bin/env bash
# Installs whatever repro4j needs and is missing; running it again changes nothing.
#   environment/install.sh [cpu|cuda]
# Steps: Debian packages (Jupyter, Maven, Fashion-MNIST) -> build the library and lay out the
# kernel's class path -> install the Jupyter kernelspec -> link the embedded dataset.
# Without root or sudo (Binder's postBuild) the package step only checks what is there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BACKEND="${1:-${BACKEND:-cpu}}"
case "$BACKEND" in
  cpu)  KERNEL_NAME=repro4j;      LABEL=CPU;  PROFILES=kernel ;;
  cuda) KERNEL_NAME=repro4j-cuda; LABEL=CUDA; PROFILES=kernel,cuda ;;
  *) echo "install.sh: unknown backend '$BACKEND' (expected cpu or cuda)" >&2; exit 2 ;;
esac
KERNEL_DIR="$ROOT/build/kernel/$BACKEND"
FASHION_MNIST=/usr/share/datasets/fashion-mnist
say() { echo "[setup] $*"; }

# --- 1. packages -------------------------------------------------------------------------
missing=()
command -v mvn >/dev/null                          || missing+=(maven)
jupyter notebook --version >/dev/null 2>&1         || missing+=(jupyter-notebook)
jupyter kernelspec --version >/dev/null 2>&1       || missing+=(jupyter-client)
jupyter nbconvert --version >/dev/null 2>&1        || missing+=(jupyter-nbconvert)
jupyter execute --version >/dev/null 2>&1         || missing+=(python3-nbclient)
[ -f "$FASHION_MNIST/train-images-idx3-ubyte.gz" ] || missing+=(dataset-fashion-mnist)
case "$(/sbin/ldconfig -p 2>/dev/null)" in *'libopenblas.so '*) ;; *) missing+=(libopenblas-dev) ;; esac
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "install.sh: missing Debian packages: ${missing[*]}; install them as root:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  say "installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- 2. library and the kernel's class path ------------------------------------------------
LIB_JAR="$KERNEL_DIR/repro4j-lib.jar"
if [ ! -f "$LIB_JAR" ] || [ ! -f "$KERNEL_DIR/rapaio-jupyter-kernel.jar" ] \
   || [ -n "$(find "$ROOT/pom.xml" "$ROOT/lib/pom.xml" "$ROOT/lib/src/main" -newer "$LIB_JAR" -print -quit)" ]; then
  say "building repro4j-lib ($BACKEND)"
  rm -rf "$KERNEL_DIR/deps"
  (cd "$ROOT" && mvn -B -q -ntp -P"$PROFILES" -Dkernel.dir="$KERNEL_DIR" -DskipTests -pl lib -am package)
  cp "$ROOT"/lib/target/repro4j-lib-*.jar "$LIB_JAR.tmp" && mv -f "$LIB_JAR.tmp" "$LIB_JAR"
fi

# --- 3. kernelspec -----------------------------------------------------------------------
JAVA="$(command -v java)"
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && JAVA="$JAVA_HOME/bin/java"
JAVA_MAJOR="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
SPEC_DIR="$ROOT/build/kernelspec/$KERNEL_NAME"
mkdir -p "$SPEC_DIR"
# Memory caps keep a laptop-scale notebook inside Binder's 2 GB: 512 MB of heap, 768 MB of ND4J
# off-heap buffers, and an error (not a kill) if the whole process grows past 1.5 GB.
# OMP_NUM_THREADS=1: measured fastest for the small-batch MLPs the notebooks train (README, Performance).
# org.bytedeco.openblas.load=openblas: ND4J's matrix products in Debian's OpenBLAS 0.3.21 (the one PyTorch
# uses) instead of the 0.3.19 bundled with ND4J: 2-6% faster, the same bits with the Haswell and SkylakeX
# float kernels (README, Performance); JavaCPP falls back to the bundled one where the system has none.
# environment/kernel.sh starts the JVM: it picks OpenBLAS's kernels for the CPU the kernel runs on.
cat > "$SPEC_DIR/kernel.json.tmp" <<JSON
{
  "argv": [
    "bash",
    "$ROOT/environment/kernel.sh",
    "$JAVA",
    "-Xmx512m",
    "-Djava.awt.headless=true",
    "-Dorg.bytedeco.javacpp.maxbytes=768m",
    "-Dorg.bytedeco.javacpp.maxphysicalbytes=1536m",
    "-Dorg.bytedeco.openblas.load=openblas",
    "-Drepro4j.data=$ROOT/data",
    "-jar",
    "$KERNEL_DIR/rapaio-jupyter-kernel.jar",
    "{connection_file}"
  ],
  "display_name": "Java $JAVA_MAJOR · repro4j ($LABEL)",
  "language": "java",
  "interrupt_mode": "message",
  "env": {
    "RJK_CLASSPATH": "$LIB_JAR;$KERNEL_DIR/deps/*.jar",
    "RJK_COMPILER_OPTIONS": "",
    "RJK_INIT_SCRIPT": "",
    "RJK_TIMEOUT_MILLIS": "-1",
    "OMP_NUM_THREADS": "1"
  }
}
JSON
mv -f "$SPEC_DIR/kernel.json.tmp" "$SPEC_DIR/kernel.json"
INSTALLED="$(jupyter --data-dir)/kernels/$KERNEL_NAME/kernel.json"
if ! cmp -s "$SPEC_DIR/kernel.json" "$INSTALLED"; then
  say "installing kernelspec $KERNEL_NAME"
  jupyter kernelspec install --user --replace --name "$KERNEL_NAME" "$SPEC_DIR" >/dev/null
fi

# --- 4. embedded data ----------------------------------------------------------------------
DATA_ROOT="${REPRO_DATA:-$ROOT/data}"
if [ ! -e "$DATA_ROOT/datasets/fashion-mnist" ]; then
  say "linking Fashion-MNIST into $DATA_ROOT/datasets"
  mkdir -p "$DATA_ROOT/datasets"
  ln -s "$FASHION_MNIST" "$DATA_ROOT/datasets/fashion-mnist"
fi
say "ready: kernel '$KERNEL_NAME', data in $DATA_ROOT"
