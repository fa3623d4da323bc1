"""shop: a tiny JSON shop backend used as the course's sample project."""
