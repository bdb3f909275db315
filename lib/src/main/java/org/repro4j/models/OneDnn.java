package org.repro4j.models;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.HostArrays;

/**
 * oneDNN called directly (JavaCPP's {@code org.bytedeco:dnnl}), for the layers that ask it for work libnd4j does
 * slower ({@link OneDnnConv}, {@link Silu}): whether its natives load here, and each thread's engine, stream, kept
 * primitives and scratch buffers. Only float arrays in host memory go to it; {@code -Drepro4j.oneDnn=false} turns it off.
 */
final class OneDnn {

    /** System property: {@code false} keeps libnd4j's paths (for comparisons). */
    static final String PROPERTY = "repro4j.oneDnn";
    /** Primitives kept per thread: every shape a network's layers see, with room to spare. */
    private static final int KEPT = 64;
    /** oneDNN's preferred alignment of a buffer, bytes. */
    private static final int ALIGNMENT = 64;
    private static final boolean AVAILABLE = load();
    private static final ThreadLocal<Context> CONTEXT = ThreadLocal.withInitial(Context::new);

    private OneDnn() {
    }

    private static boolean load() {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
            return false;
        }
        try {
            Loader.load(org.bytedeco.dnnl.global.dnnl.class);
            return true;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | RuntimeException e) {
            return false;
        }
    }

    /** Whether oneDNN's natives load here and ND4J's arrays live in host memory (the CPU backend). */
    static boolean available() {
        return AVAILABLE && HostArrays.onCpu();
    }

    /** Whether oneDNN is {@link #available} and every non-null array is float. */
    static boolean takes(INDArray... arrays) {
        if (!available()) {
            return false;
        }
        for (INDArray a : arrays) {
            if (a != null && a.dataType() != DataType.FLOAT) {
                return false;
            }
        }
        return true;
    }

    /** This thread's context. */
    static Context context() {
        return CONTEXT.get();
    }

    /** An array's layout as oneDNN describes it: its shape and strides (in elements). */
    static memory.desc describe(INDArray a) {
        return new memory.desc(a.shape(), memory.data_type.f32, a.stride());
    }

    /** A float layout of {@code dims} that oneDNN chooses. */
    static memory.desc any(long[] dims) {
        return new memory.desc(dims, memory.data_type.f32, memory.format_tag.any);
    }

    /** A thread's engine, stream, primitives (by a key the caller makes) and scratch buffers. */
    static final class Context {
        final engine engine = new engine(org.bytedeco.dnnl.engine.kind.cpu, 0);
        final stream stream = new stream(engine);
        private final Map<String, Object> kept = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
                return size() > KEPT;
            }
        };
        private BytePointer scratch;
        private Pointer scratchStart;

        /** The object kept under {@code key}, made by {@code make} the first time (or again after it was dropped). */
        @SuppressWarnings("unchecked")
        <T> T kept(String key, Supplier<T> make) {
            return (T) kept.computeIfAbsent(key, k -> make.get());
        }

        /**
         * Makes this thread's scratch memory at least {@code bytes} long (aligned), before a call hands out parts of it with
         * {@link #scratch}: growing it moves it.
         */
        void reserve(long bytes) {
            if (scratch == null || scratch.capacity() < bytes + ALIGNMENT) {
                if (scratch != null) {
                    scratch.close();
                }
                BytePointer raw = new BytePointer(bytes + ALIGNMENT);
                long shift = (ALIGNMENT - raw.address() % ALIGNMENT) % ALIGNMENT;
                scratch = raw;
                scratchStart = new BytePointer(raw).position(shift);
            }
        }

        /**
         * The scratch memory from {@code offset} bytes on, within what {@link #reserve} made. Every call starts again at
         * offset 0, so consecutive calls reuse the same memory while it is still in the CPU's caches.
         */
        Pointer scratch(long offset) {
            return new BytePointer(scratchStart).position(scratchStart.position() + offset);
        }

        /** {@code bytes} rounded up to whole cache lines, the step from one scratch operand to the next. */
        static long aligned(long bytes) {
            return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        }
    }
}
