"""Stage 6, discovery: read-only features around a search, built on the index's own text and vocabulary (did you
mean, autocomplete, dates as written, near duplicates, keywords, dictionary growth, citations, exports and feeds).
"""
