package io.duckserving.jdbc.snapshot;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * Linux's inotify through the Foreign Function API of Java 22+, reached by reflection so this
 * class compiles for Java 17 (no multi-release jar): on Java 17-21, on other systems, or where
 * the JVM denies this code native access ({@code --illegal-native-access=deny} without
 * {@code --enable-native-access} for it), {@link #available()} is false and the driver keeps its
 * {@code stat}. By default the JVM permits it with a one-time warning per module, which DuckDB's
 * own native library already causes for the same (unnamed) module. The
 * handles take and return Java 17 types only ({@code ioctl(int, long, int[])}), with heap arrays
 * passed to the kernel directly ({@code Linker.Option.critical(true)}).
 */
final class Inotify {
    static final int IN_MOVED_FROM = 0x40;
    static final int IN_MOVED_TO = 0x80;
    static final int IN_CREATE = 0x100;
    static final int IN_DELETE = 0x200;
    static final int IN_DELETE_SELF = 0x400;
    static final int IN_MOVE_SELF = 0x800;
    static final int IN_UNMOUNT = 0x2000;
    static final int IN_Q_OVERFLOW = 0x4000;
    static final int IN_IGNORED = 0x8000;
    static final int IN_ONLYDIR = 0x01000000;
    private static final int IN_NONBLOCK = 0x800;
    private static final int IN_CLOEXEC = 0x80000;
    private static final long FIONREAD = 0x541BL;

    private static final MethodHandle INIT1;
    private static final MethodHandle ADD_WATCH;
    private static final MethodHandle IOCTL;
    private static final MethodHandle READ;
    private static final MethodHandle CLOSE;
    private static final String WHY_NOT;

    static {
        MethodHandle init1 = null;
        MethodHandle addWatch = null;
        MethodHandle ioctl = null;
        MethodHandle read = null;
        MethodHandle close = null;
        String whyNot = null;
        try {
            whyNot = unsupported();
            if (whyNot == null) {
                Bindings b = new Bindings();
                init1 = b.function("inotify_init1", b.intLayout, new Object[] {b.intLayout});
                addWatch = MethodHandles.filterArguments(b.function("inotify_add_watch", b.intLayout,
                        new Object[] {b.intLayout, b.address, b.intLayout}, b.critical), 1, b.ofBytes);
                ioctl = MethodHandles.filterArguments(b.function("ioctl", b.intLayout,
                        new Object[] {b.intLayout, b.longLayout, b.address}, b.variadicFrom2, b.critical), 2, b.ofInts);
                read = MethodHandles.filterArguments(b.function("read", b.longLayout,
                        new Object[] {b.intLayout, b.address, b.longLayout}, b.critical), 1, b.ofBytes);
                close = b.function("close", b.intLayout, new Object[] {b.intLayout});
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            whyNot = "the Foreign Function API is not usable here: " + e;
        }
        INIT1 = init1;
        ADD_WATCH = addWatch;
        IOCTL = ioctl;
        READ = read;
        CLOSE = close;
        WHY_NOT = whyNot;
    }

    private Inotify() {
    }

    /** Why inotify cannot be used here, or null if it can. */
    private static String unsupported() throws ReflectiveOperationException {
        if (Runtime.version().feature() < 22) {
            return "Java " + Runtime.version().feature() + " has no Foreign Function API (22 and newer have)";
        }
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return "inotify is Linux's";
        }
        Module module = Inotify.class.getModule();
        // Asked first: a JVM that denies native access would throw at the first call.
        if (!(Boolean) Module.class.getMethod("isNativeAccessEnabled").invoke(module)) {
            return "the JVM denies native access to the driver: start it with --enable-native-access="
                    + (module.isNamed() ? module.getName() : "ALL-UNNAMED");
        }
        return null;
    }

    static boolean available() {
        return WHY_NOT == null;
    }

    /** Why {@link #available()} is false, or null. */
    static String whyNot() {
        return WHY_NOT;
    }

    /** A non-blocking inotify descriptor, or -1. */
    static int init() {
        try {
            return (int) INIT1.invokeExact(IN_NONBLOCK | IN_CLOEXEC);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** Watches {@code directory} on {@code fd} for {@code mask}; the watch descriptor, or -1. */
    static int addWatch(int fd, String directory, int mask) {
        byte[] name = directory.getBytes(StandardCharsets.UTF_8);
        try {
            return (int) ADD_WATCH.invokeExact(fd, Arrays.copyOf(name, name.length + 1), mask);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** Bytes of events queued on {@code fd} (FIONREAD), or -1 if it cannot be asked. */
    static int queued(int fd) {
        int[] n = new int[1];
        try {
            return (int) IOCTL.invokeExact(fd, FIONREAD, n) == 0 ? n[0] : -1;
        } catch (Throwable t) {
            return -1;
        }
    }

    /** Reads queued events into {@code buffer}: the bytes read, 0 or less when none are left. */
    static long read(int fd, byte[] buffer) {
        try {
            return (long) READ.invokeExact(fd, buffer, (long) buffer.length);
        } catch (Throwable t) {
            return -1;
        }
    }

    static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // nothing to do: the descriptor is gone with the JVM at the latest
        }
    }

    /** The reflective look-ups of java.lang.foreign, made once. */
    private static final class Bindings {
        final Object linker;
        final Object libc;
        final Method find;
        final Method of;
        final Method downcall;
        final Class<?> layoutClass;
        final Class<?> optionClass;
        final Object intLayout;
        final Object longLayout;
        final Object address;
        final Object critical;
        final Object variadicFrom2;
        final MethodHandle ofBytes;
        final MethodHandle ofInts;

        Bindings() throws ReflectiveOperationException {
            Class<?> linkerClass = Class.forName("java.lang.foreign.Linker");
            Class<?> descriptorClass = Class.forName("java.lang.foreign.FunctionDescriptor");
            layoutClass = Class.forName("java.lang.foreign.MemoryLayout");
            Class<?> valueLayout = Class.forName("java.lang.foreign.ValueLayout");
            Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
            optionClass = Class.forName("java.lang.foreign.Linker$Option");
            Class<?> lookup = Class.forName("java.lang.foreign.SymbolLookup");
            linker = linkerClass.getMethod("nativeLinker").invoke(null);
            libc = linkerClass.getMethod("defaultLookup").invoke(linker);
            find = lookup.getMethod("find", String.class);
            intLayout = valueLayout.getField("JAVA_INT").get(null);
            longLayout = valueLayout.getField("JAVA_LONG").get(null);
            address = valueLayout.getField("ADDRESS").get(null);
            critical = optionClass.getMethod("critical", boolean.class).invoke(null, true);
            variadicFrom2 = optionClass.getMethod("firstVariadicArg", int.class).invoke(null, 2);
            of = descriptorClass.getMethod("of", layoutClass, Array.newInstance(layoutClass, 0).getClass());
            downcall = linkerClass.getMethod("downcallHandle", segment, descriptorClass,
                    Array.newInstance(optionClass, 0).getClass());
            ofBytes = MethodHandles.publicLookup().findStatic(segment, "ofArray", MethodType.methodType(segment, byte[].class));
            ofInts = MethodHandles.publicLookup().findStatic(segment, "ofArray", MethodType.methodType(segment, int[].class));
        }

        MethodHandle function(String name, Object returns, Object[] arguments, Object... options)
                throws ReflectiveOperationException {
            Object symbol = ((Optional<?>) find.invoke(libc, name))
                    .orElseThrow(() -> new NoSuchMethodException("libc has no " + name));
            Object[] layouts = (Object[]) Array.newInstance(layoutClass, arguments.length);
            System.arraycopy(arguments, 0, layouts, 0, arguments.length);
            Object[] opts = (Object[]) Array.newInstance(optionClass, options.length);
            System.arraycopy(options, 0, opts, 0, options.length);
            return (MethodHandle) downcall.invoke(linker, symbol, of.invoke(null, returns, layouts), opts);
        }
    }
}
