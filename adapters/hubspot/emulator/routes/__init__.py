"""HTTP handlers, one module per API family; :mod:`..app` maps them to paths."""
