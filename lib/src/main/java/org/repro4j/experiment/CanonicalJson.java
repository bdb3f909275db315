package org.repro4j.experiment;

import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * JSON of hyperparameter records with one spelling per value: keys sorted, no whitespace, numbers
 * as their shortest exact decimal ({@code 0.0012}, {@code 50000}), enums by name. In canonical
 * mode, fields of an {@link Hparams} record equal to its {@link Hparams#defaults()} are left out.
 */
final class CanonicalJson {

    private CanonicalJson() {
    }

    static String of(Hparams hparams, boolean canonical) {
        if (!(hparams instanceof Record record)) {
            throw new IllegalArgumentException(hparams.getClass().getName() + ": Hparams must be a record");
        }
        return record(record, canonical);
    }

    private static String record(Record value, boolean canonical) {
        Record defaults = null;
        if (canonical && value instanceof Hparams h) {
            if (h.defaults() == null || h.defaults().getClass() != value.getClass()) {
                throw new IllegalArgumentException(value.getClass().getName() + ".defaults(): expected a "
                        + value.getClass().getSimpleName() + ", got " + h.defaults());
            }
            defaults = (Record) h.defaults();
        }
        Map<String, String> fields = new TreeMap<>();
        for (RecordComponent component : value.getClass().getRecordComponents()) {
            Object field = get(component, value);
            if (defaults == null || !Arrays.deepEquals(new Object[] {field}, new Object[] {get(component, defaults)})) {
                fields.put(component.getName(), value(component.getName(), field, canonical));
            }
        }
        return fields.entrySet().stream().map(e -> string(e.getKey()) + ":" + e.getValue())
                .collect(Collectors.joining(",", "{", "}"));
    }

    private static String value(String name, Object v, boolean canonical) {
        if (v == null) {
            return "null";
        } else if (v instanceof String s) {
            return string(s);
        } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return v.toString();
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) {
                throw new IllegalArgumentException(name + ": expected a finite number, got " + d);
            }
            BigDecimal exact = v instanceof Float f ? new BigDecimal(Float.toString(f)) : BigDecimal.valueOf(d);
            return exact.signum() == 0 ? "0" : exact.stripTrailingZeros().toPlainString();
        } else if (v instanceof Enum<?> e) {
            return string(e.name());
        } else if (v instanceof Record r) {
            return record(r, canonical);
        } else if (v instanceof Collection<?> c) {
            return c.stream().map(x -> value(name, x, canonical)).collect(Collectors.joining(",", "[", "]"));
        } else if (v.getClass().isArray()) {
            List<Object> items = new ArrayList<>();
            for (int i = 0; i < Array.getLength(v); i++) {
                items.add(Array.get(v, i));
            }
            return value(name, items, canonical);
        } else if (v instanceof Map<?, ?> m) {
            return m.entrySet().stream().sorted(Comparator.comparing(e -> String.valueOf(e.getKey())))
                    .map(e -> string(String.valueOf(e.getKey())) + ":" + value(name, e.getValue(), canonical))
                    .collect(Collectors.joining(",", "{", "}"));
        }
        throw new IllegalArgumentException(name + ": cannot write a " + v.getClass().getName()
                + " as a hyperparameter (use numbers, strings, booleans, enums, records, lists, arrays or maps)");
    }

    static String string(String s) {
        var out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }

    /** The value of one field of a record. */
    static Object get(RecordComponent component, Record record) {
        try {
            var accessor = component.getAccessor();
            accessor.setAccessible(true);
            return accessor.invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + record.getClass().getSimpleName() + "." + component.getName(), e);
        }
    }
}
