"""``import-model``: a Hugging Face ``config.json`` read under bounds into the model preset it becomes
(``preset``), with each family's defaults (``families``)."""
