"""Stage 5, search: query string -> parsed query -> query plan -> ranked hits -> highlighted passages, and the
`Engine` the CLI and the web app share.
"""
