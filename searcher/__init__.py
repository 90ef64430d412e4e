"""Full-text search for Chinese news archives.

Data flows one way: article file -> ParsedFile/Article -> Paragraph -> analyzer tokens -> Whoosh index ->
query -> Hit -> highlighted passage -> JSON/HTML. Each stage is a package of its own (corpus, page, analysis, index,
search, discovery: docs/architecture.md); nothing here imports Flask.
"""

__version__ = "0.1.0"
