"""``calcgraph html``: one self-contained page (``html``), its JavaScript formulas (``javascript``),
its input groups (``groups``) and its static assets."""
