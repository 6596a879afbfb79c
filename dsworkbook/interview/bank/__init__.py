"""The trade-off questions, one module per theme (``t01.py`` ... ``t14.py``), each with ``QUESTIONS``."""
