"""Loans: asking to borrow an object, every step until it is back, reminders and reading."""
