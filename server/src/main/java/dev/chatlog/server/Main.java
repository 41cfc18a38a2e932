package dev.chatlog.server;

/** Starts chatlog: {@code ./run.sh} or {@code java -jar server/target/chatlog-server.jar}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        ServerConfig config;
        try {
            config = ServerConfig.from(System.getenv(), args);
        } catch (IllegalArgumentException e) {
            System.err.println("chatlog: " + e.getMessage());
            System.exit(2);
            return;
        }
        ChatlogServer server;
        try {
            server = ChatlogServer.start(config);
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage()); // it says: chatlog could not start, and why
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "chatlog-shutdown"));
        System.out.println(server.banner());
    }
}
