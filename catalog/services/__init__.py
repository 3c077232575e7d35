"""Service functions, one module per use case. They take a session and never commit."""
