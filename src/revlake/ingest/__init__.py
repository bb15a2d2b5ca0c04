"""Landing → bronze: incremental, exactly-once ingestion of exported files."""
