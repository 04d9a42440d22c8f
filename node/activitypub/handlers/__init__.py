"""The single dispatch table of incoming activities."""
