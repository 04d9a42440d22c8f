"""The JSON API (/api/v1): bearer-token clients, stable names and shapes."""
