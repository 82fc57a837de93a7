"""Route handlers, one module per resource family (fact sheet §18.1)."""
