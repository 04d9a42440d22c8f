"""Private messages between two residents."""
