"""Ingestion: one module per input format, all producing the records of ``records``."""
