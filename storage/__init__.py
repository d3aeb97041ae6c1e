"""Storage: SQLModel tables, async repositories, migrations, blobs."""
