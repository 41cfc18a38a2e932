package com.example.shop;

import dev.chatlog.core.ChatLogger;
import dev.chatlog.langchain4j.ChatLogAiServices;
import dev.chatlog.spring.ChatlogTurnFilter;

/** Compiles against chatlog's API as the starter exposes it. */
public class Shop {
    public static String describe(ChatLogger logger) {
        return ChatlogTurnFilter.class.getSimpleName() + " " + ChatLogAiServices.class.getSimpleName() + " " + logger;
    }
}
