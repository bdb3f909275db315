package org.repro4j.prune;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.HostArrays;
import org.repro4j.data.AtomicFiles;
import org.repro4j.train.Trainer;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * A 0/1 mask for every prunable weight tensor of a network, keyed like the network's parameter
 * table ({@code "0_W"} for the first layer of a MultiLayerNetwork, {@code "conv1_W"} in a
 * ComputationGraph), after open_lth's {@code Mask}. Prunable are the weight tensors ({@code W}) of
 * dense, convolution and output layers; biases and normalisation parameters are never pruned.
 *
 * <p>Immutable. Building one checks every key, shape and value against the network, so a mask that
 * does not fit is refused whole. {@link #enforcer()} keeps pruned weights at exactly zero while
 * training: it multiplies the weights by the mask after every update, whatever the optimiser, so
 * momentum or Adam's moments never revive a pruned weight.
 */
public final class Masks {

    private static final int FILE_MAGIC = 0x72346d6b;  // "r4mk"

    private final Map<String, INDArray> masks;
    /**
     * Each mask as its parameter is laid out (data type and order), made on first use: DL4J's dense weights are in
     * F order, the masks in C order, and an ND4J op on two arrays of different orders took four times as long.
     */
    private final Map<String, INDArray> laidOut = new ConcurrentHashMap<>();
    /** Whether each mask keeps every weight, worked out on first use: multiplying by such a mask changes nothing. */
    private final Map<String, Boolean> keepsAll = new ConcurrentHashMap<>();

    private Masks(Map<String, INDArray> masks) {
        this.masks = Collections.unmodifiableMap(masks);
    }

    /** Whether the parameter {@code key} is a weight tensor that pruning applies to. */
    public static boolean prunable(String key) {
        return key.endsWith("_W");
    }

    /** Every prunable weight kept. */
    public static Masks dense(Model net) {
        var masks = new LinkedHashMap<String, INDArray>();
        net.paramTable().forEach((key, param) -> {
            if (prunable(key)) {
                masks.put(key, Nd4j.ones(DataType.FLOAT, param.shape()));
            }
        });
        if (masks.isEmpty()) {
            throw new IllegalArgumentException("net: no prunable weights (parameters named *_W) among " + net.paramTable().keySet());
        }
        return new Masks(masks);
    }

    /**
     * The masks {@code masks} for {@code net}, checked: one per prunable parameter, each of its
     * parameter's shape, holding only 0 and 1. The arrays are copied.
     *
     * @throws IllegalArgumentException naming the first key that is unknown, missing, of the wrong
     *                                  shape or holds a value other than 0 and 1
     */
    public static Masks of(Model net, Map<String, INDArray> masks) {
        Map<String, INDArray> params = net.paramTable();
        var checked = new LinkedHashMap<String, INDArray>();
        for (String key : masks.keySet()) {
            if (!params.containsKey(key) || !prunable(key)) {
                throw new IllegalArgumentException("masks: unknown key '" + key + "'; prunable: " + dense(net).keys());
            }
        }
        params.forEach((key, param) -> {
            if (!prunable(key)) {
                return;
            }
            INDArray mask = masks.get(key);
            if (mask == null) {
                throw new IllegalArgumentException("masks: no mask for '" + key + "'");
            }
            if (!Arrays.equals(mask.shape(), param.shape())) {
                throw new IllegalArgumentException("masks['" + key + "']: expected shape " + Arrays.toString(param.shape())
                        + ", got " + Arrays.toString(mask.shape()));
            }
            float[] values = HostArrays.toFloats(mask);
            for (int i = 0; i < values.length; i++) {
                if (values[i] != 0f && values[i] != 1f) {
                    throw new IllegalArgumentException("masks['" + key + "']: expected only 0 and 1, got " + values[i]
                            + " at flat index " + i);
                }
            }
            checked.put(key, HostArrays.floatArray(values, mask.shape()));
        });
        return new Masks(checked);
    }

    /** The masked parameter keys, in the network's layer order. */
    public Set<String> keys() {
        return masks.keySet();
    }

    /** A copy of the mask of {@code key}. */
    public INDArray get(String key) {
        INDArray mask = masks.get(key);
        if (mask == null) {
            throw new IllegalArgumentException("masks: unknown key '" + key + "'; known: " + keys());
        }
        return mask.dup();
    }

    /** The shape of the mask (and weights) of {@code key}. */
    long[] shape(String key) {
        return masks.get(key).shape();
    }

    /** The mask of {@code key} in C order (a copy). */
    float[] values(String key) {
        return HostArrays.toFloats(masks.get(key));
    }

    /** The mask of {@code key} in the data type and order of {@code param}, to multiply it with (not a copy: do not modify). */
    INDArray like(String key, INDArray param) {
        INDArray mask = laidOut.get(key);
        if (mask == null || mask.dataType() != param.dataType() || mask.ordering() != param.ordering()) {
            mask = masks.get(key).castTo(param.dataType()).dup(param.ordering());
            laidOut.put(key, mask);
        }
        return mask;
    }

    /** Weights of {@code key} in all. */
    public long size(String key) {
        return masks.get(key).length();
    }

    /** Weights of {@code key} kept. */
    public long remaining(String key) {
        return Math.round(masks.get(key).sumNumber().doubleValue());
    }

    /** Prunable weights in all. */
    public long size() {
        return masks.keySet().stream().mapToLong(this::size).sum();
    }

    /** Prunable weights kept. */
    public long remaining() {
        return masks.keySet().stream().mapToLong(this::remaining).sum();
    }

    /** Fraction of the prunable weights kept, in [0, 1]. */
    public double density() {
        return (double) remaining() / size();
    }

    /** Fraction of the weights of {@code key} kept. */
    public double density(String key) {
        return (double) remaining(key) / size(key);
    }

    /** One row per masked tensor: {@code layer}, {@code shape}, {@code weights}, {@code remaining}, {@code density}. */
    public Table densities() {
        return Table.create("densities",
                StringColumn.create("layer", keys().stream()),
                StringColumn.create("shape", keys().stream().map(k -> Arrays.toString(masks.get(k).shape()))),
                LongColumn.create("weights", keys().stream().mapToLong(this::size).toArray()),
                LongColumn.create("remaining", keys().stream().mapToLong(this::remaining).toArray()),
                DoubleColumn.create("density", keys().stream().mapToDouble(this::density)));
    }

    /** Whether every weight this mask keeps is kept by {@code other} too (iterative masks nest). */
    public boolean within(Masks other) {
        if (!keys().equals(other.keys())) {
            return false;
        }
        return keys().stream().allMatch(k -> masks.get(k).mul(other.masks.get(k)).equals(masks.get(k)));
    }

    /** Sets every pruned weight of {@code net} to zero, in place. */
    public void applyTo(Model net) {
        Map<String, INDArray> params = net.paramTable();
        masks.forEach((key, mask) -> {
            INDArray param = params.get(key);
            if (param == null) {
                throw new IllegalArgumentException("net: has no parameter '" + key + "' for this mask");
            }
            applyTo(key, param);
        });
    }

    /**
     * Sets the pruned weights of {@code param}, the parameter {@code key}, to zero in place; a mask that keeps every
     * weight is skipped (a dense start, or the dense baseline's enforcer after every step), since multiplying
     * a 2048x2048 layer by ones took a pass over its memory for nothing.
     */
    void applyTo(String key, INDArray param) {
        if (!keepsAll.computeIfAbsent(key, k -> masks.get(k).minNumber().floatValue() == 1f)) {
            param.muli(like(key, param));
        }
    }

    /** A training listener that applies these masks right after every update. */
    public Trainer.Listener enforcer() {
        return new Trainer.Listener() {
            @Override
            public void afterStep(Model net, long iteration) {
                applyTo(net);
            }

            @Override
            public void afterIteration(Model net, long iteration, boolean epochEnd, Table history) {
            }
        };
    }

    /** Writes the masks to {@code file} atomically (one bit a weight, packed). */
    public void save(Path file) throws IOException {
        AtomicFiles.write(file, stream -> {
            var out = new DataOutputStream(stream);
            out.writeInt(FILE_MAGIC);
            out.writeInt(masks.size());
            for (var entry : masks.entrySet()) {
                out.writeUTF(entry.getKey());
                long[] shape = entry.getValue().shape();
                out.writeInt(shape.length);
                for (long d : shape) {
                    out.writeLong(d);
                }
                float[] values = entry.getValue().data().asFloat();
                byte[] bits = new byte[(values.length + 7) / 8];
                for (int i = 0; i < values.length; i++) {
                    if (values[i] == 1f) {
                        bits[i >> 3] |= (byte) (1 << (i & 7));
                    }
                }
                out.write(bits);
            }
            out.flush();
        });
    }

    /**
     * Reads masks written by {@link #save} and checks them against {@code net} (see {@link #of}).
     *
     * @throws IOException naming the file when it is not a masks file or ends early
     */
    public static Masks load(Path file, Model net) throws IOException {
        var read = new LinkedHashMap<String, INDArray>();
        try (InputStream stream = Files.newInputStream(file); var in = new DataInputStream(stream)) {
            int magic = in.readInt();
            if (magic != FILE_MAGIC) {
                throw new IOException(file + ": not a masks file (magic number " + Integer.toHexString(magic)
                        + ", expected " + Integer.toHexString(FILE_MAGIC) + ")");
            }
            int count = in.readInt();
            for (int m = 0; m < count; m++) {
                String key = in.readUTF();
                long[] shape = new long[in.readInt()];
                long length = 1;
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.readLong();
                    length *= shape[d];
                }
                byte[] bits = new byte[(int) ((length + 7) / 8)];
                in.readFully(bits);
                float[] values = new float[(int) length];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (bits[i >> 3] >> (i & 7) & 1);
                }
                read.put(key, Nd4j.create(values, shape, 'c'));
            }
        } catch (java.io.EOFException e) {
            throw new IOException(file + ": ends before the last mask (truncated?)", e);
        }
        return of(net, read);
    }

    /**
     * The masks stored in {@code file} if it exists, else {@code compute}'s, saved there first: a
     * pruning that took minutes (SynFlow's 100 rounds) is not redone when a notebook runs again.
     */
    public static Masks loadOrCompute(Path file, Model net, java.util.function.Supplier<Masks> compute) throws IOException {
        if (Files.exists(file)) {
            return load(file, net);
        }
        Masks masks = compute.get();
        masks.save(file);
        return masks;
    }

    @Override
    public String toString() {
        return String.format("Masks(%d of %d weights kept, density %.4f, %d tensors)", remaining(), size(), density(), masks.size());
    }
}
