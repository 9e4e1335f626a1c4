import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;

import java.io.File;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * MongoDB-compatible server for zkchat development and tests:
 * mongo-java-server with its H2 (MVStore) file backend.
 *
 * Usage: java -cp CLASSPATH ZkchatMongo PORT H2_FILE [BIND_HOST]
 *
 * - binds BIND_HOST (default 127.0.0.1) : PORT
 * - H2_FILE is created if missing ("memory" or ":memory:" = no persistence)
 * - prints "zkchat-mongo ready mongodb://HOST:PORT" on stdout once listening
 * - on SIGTERM / SIGINT a shutdown hook stops the server and closes the backend,
 *   so the MVStore is flushed (kill -9 loses roughly the last second of writes)
 *
 * The stock server answers hello with maxWireVersion 8 ("5.0.0"), which the
 * Node mongodb driver 7 rejects (it needs wire version >= 9). We report
 * MongoDB 4.4.0 / wire version 9 through the backend's MongoVersion hook.
 * Log level: env ZKCHAT_MONGO_LOG (slf4j-simple level, default "warn").
 */
public final class ZkchatMongo {

    /** MongoDB 4.4: wire version 9, the lowest the Node driver 7 accepts. */
    static final MongoVersion MONGO_4_4 = new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(4, 4, 0);
        }

        @Override
        public int getWireVersion() {
            return 9;
        }
    };

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: ZkchatMongo PORT H2_FILE [BIND_HOST]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String file = args[1];
        String host = args.length > 2 ? args[2] : "127.0.0.1";

        String level = System.getenv("ZKCHAT_MONGO_LOG");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                level == null || level.isEmpty() ? "warn" : level);
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");

        final H2Backend backend;
        if (file.equals("memory") || file.equals(":memory:")) {
            backend = H2Backend.inMemory();
        } else {
            File f = new File(file).getAbsoluteFile();
            File dir = f.getParentFile();
            if (dir != null && !dir.isDirectory() && !dir.mkdirs()) {
                throw new IllegalStateException("cannot create directory " + dir);
            }
            backend = new H2Backend(f.getPath());
        }
        backend.version(MONGO_4_4);

        final MongoServer server = new MongoServer(backend);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.shutdown();
            } catch (Throwable t) {
                System.err.println("zkchat-mongo: server shutdown failed: " + t);
            }
            try {
                backend.close();
            } catch (Throwable t) {
                System.err.println("zkchat-mongo: backend close failed: " + t);
            }
            System.err.println("zkchat-mongo stopped");
            stopped.countDown();
        }, "zkchat-mongo-shutdown"));

        try {
            server.bind(host, port);
        } catch (Throwable t) {
            System.err.println("zkchat-mongo: cannot listen on " + host + ":" + port + ": " + t);
            try {
                backend.close();
            } catch (Throwable ignored) {
                // exiting anyway
            }
            System.exit(1);
        }
        System.out.println("zkchat-mongo ready mongodb://" + host + ":" + port
                + " (reports MongoDB 4.4.0, wire 9; data " + file + ")");
        System.out.flush();
        stopped.await();
    }
}
