"""A resident's account: sign-up, log-in sessions and their limits, password reset, profile and tokens."""
