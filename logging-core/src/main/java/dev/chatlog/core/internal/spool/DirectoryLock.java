package dev.chatlog.core.internal.spool;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** One process per directory: an OS file lock, which the OS releases when the process ends, however it ends. */
public final class DirectoryLock implements AutoCloseable {
    private final FileLock lock;

    private DirectoryLock(FileLock lock) {
        this.lock = lock;
    }

    /** Takes the lock on {@code file}, or refuses: {@code what} is in use by another process (or this one). */
    public static DirectoryLock acquire(Path file, String what) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException sameProcess) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IllegalStateException(what + " is in use by another process");
        }
        return new DirectoryLock(lock);
    }

    @Override
    public void close() throws IOException {
        lock.release();
        lock.channel().close();
    }
}
