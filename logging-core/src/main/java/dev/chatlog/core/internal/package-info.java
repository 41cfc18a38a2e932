/**
 * Not API: the logger's pipeline behind {@link dev.chatlog.core.ChatLogger} — the caller's handoff, the conversion and
 * enrichment of records, the durable spool (segments, frames, checkpoint, directory lock), the spooler and shipper
 * threads, the store writer with its retries. Public only so that {@code ChatLogger} can assemble it; anything here
 * may change in any release.
 */
package dev.chatlog.core.internal;
