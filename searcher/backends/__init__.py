"""Search backends beside the embedded Whoosh index (searcher/search/engine.py): each executes the query plan that
searcher/search/plan.py decides once, backend-neutrally."""
