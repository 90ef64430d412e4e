"""Stage 4, the index: one Whoosh document per paragraph, written into generations switched atomically under one
writer lock; full builds (also as background jobs), adding files to the live index, and the limits of an add.
"""
