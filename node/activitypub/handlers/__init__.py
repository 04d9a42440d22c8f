"""Handlers of incoming activities, one module per concern; the table is dispatch.HANDLERS.

A handler takes (tx, node, sender, activity) and returns None (processed) or why it was ignored;
handlers never import each other or the inbox (tests/test_layers.py).
"""
