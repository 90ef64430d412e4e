"""Where indexes built before the library was grouped into packages look for their codec.

Whoosh pickles each segment's codec into the index's table of contents under the class's dotted path; those indexes
name `searcher.codec.LeanCodec` and cannot be opened without it. The codec itself is searcher/index/codec.py
(tests/test_pickled_paths.py).
"""

from .index.codec import LeanCodec

__all__ = ["LeanCodec"]
