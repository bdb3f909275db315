package org.repro4j.experiment;

import java.util.Locale;
import java.util.Properties;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.data.DataRoot;

/**
 * What a notebook runs on, in one line for its setup cell:
 * {@code ND4J CPU backend (OPENBLAS), 1 thread of 2 cores | heap 512 MB | off-heap 768 MB, process cap 1.5 GB | data /.../data | scale laptop}.
 */
public final class Environment {

    private Environment() {
    }

    /** The one-line report; throws an error naming what to install when ND4J's backend cannot load. */
    public static String report() {
        Properties info = backendInfo();
        return String.format(Locale.ROOT, "ND4J %s backend (%s), %s thread%s of %s cores | heap %s | off-heap %s, process cap %s | data %s | scale %s",
                value(info, "backend"), value(info, "blas.vendor"), value(info, "omp.threads"),
                "1".equals(value(info, "omp.threads")) ? "" : "s", value(info, "cores"),
                size(Runtime.getRuntime().maxMemory()), size(Pointer.maxBytes()), size(Pointer.maxPhysicalBytes()),
                DataRoot.path(), Scale.current());
    }

    private static Properties backendInfo() {
        try {
            return Nd4j.getExecutioner().getEnvironmentInformation();
        } catch (Throwable e) {  // a missing native library surfaces as an Error from a static initialiser
            throw new IllegalStateException("ND4J's native backend did not load (" + e + "). On the CPU it needs the "
                    + "nd4j-native jar for this OS and architecture (" + System.getProperty("os.name") + ", "
                    + System.getProperty("os.arch") + "): rebuild with `make kernel`. With the cuda profile it needs an "
                    + "NVIDIA driver and CUDA 11.6; without a GPU use `make kernel BACKEND=cpu`.", e);
        }
    }

    /** ND4J's environment values are not all strings. */
    private static String value(Properties info, String key) {
        Object value = info.get(key);
        return value == null ? "?" : value.toString();
    }

    /** Bytes as MB below a GB, else GB with one decimal. */
    static String size(long bytes) {
        return bytes < 1L << 30 ? (bytes >> 20) + " MB" : String.format(Locale.ROOT, "%.1f GB", bytes / (double) (1L << 30));
    }
}
