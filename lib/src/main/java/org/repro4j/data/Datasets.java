package org.repro4j.data;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.repro4j.Check;

/** The datasets by name, for hyperparameter records that name theirs: {@code Datasets.get("fashion-mnist")}. */
public final class Datasets {

    /** A training set and its test set. */
    public record Split(Dataset train, Dataset test) {
    }

    private static final Map<String, Supplier<Split>> KNOWN = new LinkedHashMap<>();

    static {
        KNOWN.put("fashion-mnist", () -> new Split(FashionMnist.train(), FashionMnist.test()));
        KNOWN.put("mnist", () -> new Split(Mnist.train(), Mnist.test()));
        KNOWN.put("cifar-10", () -> new Split(Cifar10.train(), Cifar10.test()));
    }

    private Datasets() {
    }

    /** The known names, in a stable order. */
    public static Set<String> names() {
        return KNOWN.keySet();
    }

    /** Loads the dataset called {@code name}; an unknown name throws listing the known ones. */
    public static Split get(String name) {
        return KNOWN.get(Check.oneOf("dataset", name, KNOWN.keySet())).get();
    }
}
