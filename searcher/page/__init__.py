"""Stage 2, the page: a newspaper page's text -> articles (title, byline, dateline, metadata, stable ids) and their
whole paragraphs, with page furniture left out and paragraphs cut by page breaks rejoined.
"""
