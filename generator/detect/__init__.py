"""Read a project statically: its pickled models, its server command lines, its routes, its Pythons."""
