package dev.chatlog.alerts.channel;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Properties;

/**
 * Notifications as plain-text e-mails over SMTP (Jakarta Mail, Eclipse Angus: an optional
 * dependency of this module). Subject: the notification's title; body: its summary, the calls or
 * conversations behind it and links into the dashboard. The idempotency key is the
 * {@code Message-ID} and an {@code X-Chatlog-Idempotency-Key} header, so a retried message is the same message.
 */
public final class EmailChannel implements AlertChannel {
    /** {@code none}: plain SMTP; {@code starttls}: upgrade, required; {@code ssl}: TLS from the first byte (SMTPS). */
    public enum Security { NONE, STARTTLS, SSL }

    private final Session session;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final InternetAddress from;
    private final InternetAddress[] to;
    private final String domain;

    private EmailChannel(Builder b) throws jakarta.mail.internet.AddressException {
        this.host = b.host;
        this.port = b.port;
        this.user = b.user;
        this.password = b.password;
        this.from = new InternetAddress(b.from, true);
        this.to = InternetAddress.parse(String.join(",", b.to), true);
        if (to.length == 0) throw new IllegalArgumentException("an e-mail channel needs at least one recipient");
        String f = from.getAddress();
        this.domain = f.contains("@") ? f.substring(f.indexOf('@') + 1) : "chatlog.local";
        Properties p = new Properties();
        String proto = b.security == Security.SSL ? "smtps" : "smtp";
        p.put("mail.transport.protocol", proto);
        p.put("mail." + proto + ".host", host);
        p.put("mail." + proto + ".port", String.valueOf(port));
        p.put("mail." + proto + ".connectiontimeout", String.valueOf(b.timeout.toMillis()));
        p.put("mail." + proto + ".timeout", String.valueOf(b.timeout.toMillis()));
        p.put("mail." + proto + ".writetimeout", String.valueOf(b.timeout.toMillis()));
        p.put("mail." + proto + ".auth", String.valueOf(user != null));
        if (b.security == Security.STARTTLS) {
            p.put("mail.smtp.starttls.enable", "true");
            p.put("mail.smtp.starttls.required", "true");
        }
        this.session = Session.getInstance(p);
    }

    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    @Override
    public String name() {
        return "email";
    }

    @Override
    public void send(Outgoing n) throws Exception {
        MimeMessage m = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws jakarta.mail.MessagingException {
                setHeader("Message-ID", "<" + n.key() + "@" + domain + ">");
            }
        };
        m.setFrom(from);
        m.setRecipients(Message.RecipientType.TO, to);
        m.setSubject("[chatlog] " + n.title(), "UTF-8");
        m.setSentDate(new Date());
        m.setHeader("X-Chatlog-Idempotency-Key", n.key());
        m.setText(n.text(), "UTF-8");
        m.saveChanges();
        try (Transport t = session.getTransport()) {
            t.connect(host, port, user, password);
            t.sendMessage(m, m.getAllRecipients());
        }
    }

    public static final class Builder {
        private final String host;
        private final int port;
        private String user;
        private String password;
        private String from = "chatlog@localhost";
        private List<String> to = List.of();
        private Security security = Security.NONE;
        private Duration timeout = Duration.ofSeconds(10);

        private Builder(String host, int port) {
            this.host = host;
            this.port = port;
        }

        public Builder login(String user, String password) {
            this.user = user;
            this.password = password;
            return this;
        }

        public Builder from(String from) {
            this.from = from;
            return this;
        }

        public Builder to(List<String> to) {
            this.to = List.copyOf(to);
            return this;
        }

        public Builder security(Security security) {
            this.security = security;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public EmailChannel build() {
            try {
                return new EmailChannel(this);
            } catch (jakarta.mail.internet.AddressException e) {
                throw new IllegalArgumentException("an e-mail address is not valid: " + e.getMessage(), e);
            }
        }
    }
}
