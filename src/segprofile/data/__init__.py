"""Data in: readers, schema inference, privacy, and the engine connection (Ibis)."""
