package org.searcher.cluster;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * Starts local OpenSearch nodes on loopback from the Maven artifacts alone.
 *
 * <p>Two modes. With {@code --name}, this JVM becomes one node (what the test suite starts, one JVM per node, so a
 * test can kill one node's process). With {@code --nodes N}, this JVM starts N such node JVMs as children, passes
 * their output through, and stops them all when it is stopped (what {@code make opensearch} runs).
 *
 * <p>Node {@code node-0} is the cluster manager (and holds data); the others hold data only. A cluster with a single
 * manager-eligible node never loses its quorum when another node dies, which is what the fail-over test needs.
 */
public final class Launcher {
    static final String MANAGER = "node-0";
    /** Set once this JVM is shutting down, so nodes exiting on that account are not reported as failures. */
    static volatile boolean stopping;

    private Launcher() {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = parse(argv);
        if (args.containsKey("nodes")) {
            runCluster(args);
        } else if (args.containsKey("name")) {
            runNode(args);
        } else {
            System.err.println(usage());
            System.exit(2);
        }
    }

    static String usage() {
        return String.join("\n",
            "usage: one node:  --name node-0 --home DIR --http-port 9200 --transport-port 9300 "
                + "[--seed-ports 9300,9301] [--cluster-name NAME]",
            "       a cluster: --nodes 2 --home DIR [--http-port 9200] [--transport-port 9300] [--heap 512m] "
                + "[--cluster-name NAME]");
    }

    /** {@code --key value} pairs; every option takes exactly one value. */
    static Map<String, String> parse(String[] argv) {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i < argv.length; i += 2) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("bad argument " + argv[i] + "\n" + usage());
            }
            args.put(argv[i].substring(2), argv[i + 1]);
        }
        return args;
    }

    /** The settings of one loopback node: ports, paths, discovery and roles. */
    static Settings nodeSettings(Map<String, String> args) {
        String name = args.get("name");
        Path home = Path.of(args.get("home")).toAbsolutePath();
        List<String> seeds = Arrays.asList(args.getOrDefault("seed-ports", args.get("transport-port")).split(","));
        Settings.Builder settings = Settings.builder()
            .put("cluster.name", args.getOrDefault("cluster-name", "searcher"))
            .put("node.name", name)
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("network.host", "127.0.0.1")
            .put("http.port", args.get("http-port"))
            .put("transport.port", args.get("transport-port"))
            // A developer's or CI's disk may be fuller than a server's: never refuse shards for it here.
            .put("cluster.routing.allocation.disk.threshold_enabled", false);
        if (seeds.size() == 1) {
            settings.put("discovery.type", "single-node");
        } else {
            settings.putList("discovery.seed_hosts", seeds.stream().map(p -> "127.0.0.1:" + p).toList());
            settings.putList("cluster.initial_cluster_manager_nodes", MANAGER);
        }
        settings.putList("node.roles", name.equals(MANAGER) || seeds.size() == 1
            ? List.of("cluster_manager", "data", "ingest")
            : List.of("data", "ingest"));
        return settings.build();
    }

    /** Runs one node in this JVM until the JVM is asked to stop (SIGTERM, SIGINT), then closes it cleanly. */
    static void runNode(Map<String, String> args) throws Exception {
        Settings settings = nodeSettings(args);
        Files.createDirectories(Path.of(settings.get("path.home")));
        LogConfigurator.setNodeName(settings.get("node.name"));
        ClasspathNode node = new ClasspathNode(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(10, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "node-shutdown"));
        try {
            node.start();
        } catch (Exception e) {
            // A port in use or a locked data directory: say so and exit at once, so the caller sees a dead
            // process (closing a half-started node can hang for many seconds, so no shutdown hooks run).
            e.printStackTrace();
            System.out.flush();
            Runtime.getRuntime().halt(1);
        }
        System.out.println("[launcher] " + settings.get("node.name") + " started: http://127.0.0.1:"
            + settings.get("http.port"));
        stopped.await();
    }

    /** Starts N node JVMs on consecutive ports; stops them all when this JVM stops (Ctrl-C) or any of them exits. */
    static void runCluster(Map<String, String> args) throws Exception {
        int count = Integer.parseInt(args.get("nodes"));
        int http = Integer.parseInt(args.getOrDefault("http-port", "9200"));
        int transport = Integer.parseInt(args.getOrDefault("transport-port", "9300"));
        Path home = Path.of(args.get("home")).toAbsolutePath();
        List<String> seeds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            seeds.add(Integer.toString(transport + i));
        }
        List<Process> nodes = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping = true;
            stopAll(nodes);
        }, "cluster-shutdown"));
        for (int i = 0; i < count; i++) {
            List<String> command = javaCommand(args.getOrDefault("heap", "512m"));
            command.addAll(List.of("--name", "node-" + i, "--home", home.resolve("node-" + i).toString(),
                "--http-port", Integer.toString(http + i), "--transport-port", seeds.get(i),
                "--seed-ports", String.join(",", seeds),
                "--cluster-name", args.getOrDefault("cluster-name", "searcher")));
            nodes.add(new ProcessBuilder(command).inheritIO().start());
        }
        Process first = (Process) CompletableFuture.anyOf(
            nodes.stream().map(Process::onExit).toArray(CompletableFuture[]::new)).get();
        if (!stopping) {
            System.err.println("[launcher] a node exited with status " + first.exitValue() + ": stopping the others");
            System.exit(1);
        }
    }

    /** This JVM's java binary and class path, with a fixed heap, running this class. */
    static List<String> javaCommand(String heap) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = ManagementFactory.getRuntimeMXBean().getClassPath();
        return new ArrayList<>(List.of(java, "-Xms" + heap, "-Xmx" + heap, "-XX:+UseG1GC",
            "-Djava.net.preferIPv4Stack=true", "-cp", classPath, Launcher.class.getName()));
    }

    static void stopAll(List<Process> nodes) {
        nodes.forEach(Process::destroy);
        for (Process node : nodes) {
            try {
                if (!node.waitFor(20, TimeUnit.SECONDS)) {
                    node.destroyForcibly();
                }
            } catch (InterruptedException e) {
                node.destroyForcibly();
            }
        }
    }

    /** A node whose plugins are classes on the class path instead of directories under {@code plugins/}. */
    static final class ClasspathNode extends Node {
        static final List<Class<? extends Plugin>> PLUGINS = List.of(Netty4Plugin.class, CommonAnalysisPlugin.class);

        ClasspathNode(Settings settings) {
            super(InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null,
                () -> settings.get("node.name")), PLUGINS, true);
        }
    }
}
