"""Embeddings and vector search: records, documents and crawled pages into an index with exact filters."""
