-- A read replica's staleness, measured end to end: each instance configured with a read replica writes the time into
-- its row here on the primary every second; on the replica, its clock minus the newest row it has applied is its lag.
CREATE TABLE chatlog_heartbeat (
    instance VARCHAR(64) NOT NULL,
    beat_at  DATETIME(6) NOT NULL,
    PRIMARY KEY (instance)
) ENGINE=InnoDB;
