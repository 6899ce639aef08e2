"""deepseek-shock: checked analyses of the DeepSeek-R1 episode (January 2025)."""

__version__ = "0.1.0"
