"""The OpenSearch backend (issue 10): the same documents (searcher/index/documents.py) sent pre-tokenized
(searcher/analysis/pretokenized.py), the same query plan translated to query DSL (`query`), written by `writer`
(a rebuild switches an alias atomically), added to by `adding` (the OpenSearch side of `searcher add` and uploads),
searched by `engine.OpenSearchEngine`. Needs the `opensearch` extra."""
