package org.repro4j.data;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Where repro4j keeps data: the environment variable {@code REPRO_DATA}, else the system property
 * {@code repro4j.data} (the Jupyter kernel sets it to the repository's {@code data/}), else
 * {@code data} under the working directory. Datasets live in {@code <root>/datasets}, results in
 * {@code <root>/results}.
 */
public final class DataRoot {

    private DataRoot() {
    }

    /** The data root, absolute. */
    public static Path path() {
        return resolve(System.getenv(), System.getProperties());
    }

    /** {@code <root>/datasets}. */
    public static Path datasets() {
        return path().resolve("datasets");
    }

    static Path resolve(Map<String, String> env, Properties properties) {
        String root = env.get("REPRO_DATA");
        if (root == null || root.isBlank()) {
            root = properties.getProperty("repro4j.data", "data");
        }
        return Path.of(root).toAbsolutePath().normalize();
    }
}
