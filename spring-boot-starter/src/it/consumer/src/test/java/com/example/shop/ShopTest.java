package com.example.shop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

class ShopTest {
    private static String moduleName(Class<?> c) throws Exception {
        try (JarFile jar = new JarFile(c.getProtectionDomain().getCodeSource().getLocation().getPath())) {
            return jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name");
        }
    }

    @Test
    void every_chatlog_jar_names_its_module() throws Exception {
        assertEquals("dev.chatlog.spring", moduleName(dev.chatlog.spring.ChatlogProperties.class));
        assertEquals("dev.chatlog.core", moduleName(dev.chatlog.core.ChatLogger.class));
        assertEquals("dev.chatlog.sql", moduleName(dev.chatlog.sql.Database.class));
        assertEquals("dev.chatlog.langchain4j", moduleName(dev.chatlog.langchain4j.ChatLogAiServices.class));
    }
}
