"""Stage 1, the corpus: find article files on disk, decode their bytes, extract HTML/PDF/DOCX, save uploads.

Hands each file's text to `searcher.page` and returns `ParsedFile`s; the corpus directory is the one source of truth.
"""
