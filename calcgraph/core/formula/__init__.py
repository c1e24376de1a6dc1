"""Formula text parsed once into a light tree (``parse``, ``whitelist``), and its backends: ``pysource`` (Python,
numpy in ``evaluate``, JavaScript in ``render.page.javascript``), ``to_sympy``/``from_sympy``, ``dimensions``."""
