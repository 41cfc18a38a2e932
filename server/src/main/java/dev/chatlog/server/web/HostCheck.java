package dev.chatlog.server.web;

import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * DNS-rebinding protection. Without {@code CHATLOG_API_TOKEN} the server trusts whoever can reach
 * it, which a web page can turn into "whoever visits that page": a name the attacker controls,
 * re-pointed at 127.0.0.1, makes the browser send the page's requests here with
 * {@code Host: attacker.example}. So without a token only requests whose {@code Host} names this
 * server are served: {@code localhost}, a loopback or local interface address, the machine's own
 * name, the bound host, and the names listed in {@code CHATLOG_ALLOWED_HOSTS} ({@code *}: any).
 * Others get a 403 with a JSON error. With a token, every read route needs it anyway.
 */
public final class HostCheck {
    private final boolean any;
    private final Set<String> allowed = new HashSet<>();

    public HostCheck(String boundHost, boolean tokenSet, Set<String> configured) {
        this.any = tokenSet || configured.contains("*");
        for (String h : configured) allowed.add(normal(h));
        allowed.addAll(Set.of("localhost", "127.0.0.1", "::1"));
        if (boundHost != null && !boundHost.isBlank() && !Set.of("0.0.0.0", "::", "[::]").contains(boundHost.trim())) {
            allowed.add(normal(boundHost));
        }
        try {
            allowed.add(normal(InetAddress.getLocalHost().getHostName()));
            for (NetworkInterface ni : NetworkInterface.networkInterfaces().toList()) {
                ni.inetAddresses().forEach(a -> allowed.add(normal(a.getHostAddress())));
            }
        } catch (java.io.IOException | SecurityException e) {
            // the fixed names above remain
        }
    }

    /** Before-handler of every route. */
    public void check(Context ctx) {
        if (any) return;
        String host = ctx.header("Host");
        if (host == null || !allowed.contains(normal(withoutPort(host)))) {
            throw new ApiError(403, "this server answers requests for its own address only (Host: localhost or 127.0.0.1); "
                    + "list other names in CHATLOG_ALLOWED_HOSTS, or set CHATLOG_API_TOKEN", null);
        }
    }

    private static String withoutPort(String host) {
        String h = host.trim();
        if (h.startsWith("[")) { // [::1]:8080
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(1, end);
        }
        int colon = h.indexOf(':');
        return colon >= 0 && colon == h.lastIndexOf(':') ? h.substring(0, colon) : h;
    }

    private static String normal(String h) {
        String s = h.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith(".")) s = s.substring(0, s.length() - 1);
        int zone = s.indexOf('%'); // fe80::1%eth0
        return zone >= 0 ? s.substring(0, zone) : s;
    }
}
