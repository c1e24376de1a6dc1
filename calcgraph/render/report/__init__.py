"""``calcgraph report``: the Markdown derivation (``document``) and its sections."""
