/**
 * The logger's durable spool: append-only segment files of CRC-checked frames ({@link
 * dev.chatlog.core.internal.spool.DiskSpool}), their group fsync, the checkpoint and the reader the shipper
 * reads with. Public for the pipeline in {@code dev.chatlog.core.internal} only: not API, may change in
 * any release.
 */
package dev.chatlog.core.internal.spool;
