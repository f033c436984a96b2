"""A database backend that cannot clone test databases: SQLite underneath,
under a vendor name no clone adapter knows, standing in for Oracle and
third-party backends."""
