package dev.chatlog.server.web;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * Amounts as people write them: a {@link BigDecimal} from a {@code DECIMAL(20,10)} column is
 * written without its trailing zeros and never in exponent form ({@code 0}, not {@code 0E-10};
 * {@code 0.000135}, not {@code 0.0001350000}). Same value, same JSON number type.
 */
public final class PlainDecimals {
    public static final SimpleModule MODULE = new SimpleModule("chatlog-plain-decimals")
            .addSerializer(BigDecimal.class, new JsonSerializer<>() {
                @Override
                public void serialize(BigDecimal v, JsonGenerator gen, SerializerProvider p) throws IOException {
                    gen.writeNumber(v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString());
                }
            });

    private PlainDecimals() {}
}
