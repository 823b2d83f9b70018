"""Studies: stored study documents with their revisions, data files and profile runs."""
